package collect

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// madvPopulateWrite is MADV_POPULATE_WRITE (Linux 5.14).
const madvPopulateWrite = 23

// prefaultAt is the size from which a pre-sized result is prefaulted.
const prefaultAt = 4096

// prefault asks the kernel to map the memory behind socks' capacity in
// one call. A large table fills a fresh slice of tens of megabytes, and
// taking a page fault for every 4 KiB of it costs more, on a virtual
// machine, than decoding the sockets that go there. Older kernels refuse
// the advice, and the pages are then faulted in as they are written.
func prefault(socks []model.Socket) {
	if cap(socks) == 0 {
		return
	}
	base := unsafe.Pointer(unsafe.SliceData(socks[:cap(socks)]))
	size := uintptr(cap(socks)) * unsafe.Sizeof(socks[0])
	// madvise wants page-aligned ranges: take the whole pages inside.
	const page = 4096
	start := (uintptr(base) + page - 1) &^ (page - 1)
	end := (uintptr(base) + size) &^ (page - 1)
	if end <= start {
		return
	}
	mem := unsafe.Slice((*byte)(unsafe.Add(base, start-uintptr(base))), end-start)
	_ = unix.Madvise(mem, madvPopulateWrite)
}
