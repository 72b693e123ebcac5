package collect

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/internal/nstest"
)

// BenchmarkReadOwners walks the real /proc while the benchmark holds 16,000
// sockets (unbound UDP, inside a namespace it makes: descriptors, not
// traffic), and reports the cost per descriptor walked, sockets or not,
// over every process of the machine (fds: how many there were). One
// process holding most of them is the case that needs its descriptors
// shared out between the workers.
func BenchmarkReadOwners(b *testing.B) {
	ns := nstest.Require(b)
	const sockets = 16000
	var fds []int
	b.Cleanup(func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	})
	if err := ns.Do(func() error {
		for range sockets {
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return err
			}
			fds = append(fds, fd)
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	walked := countFDs(b, "/proc")
	b.ResetTimer()
	var found int
	for b.Loop() {
		o, err := readOwners("/proc")
		if err != nil {
			b.Fatal(err)
		}
		found = o.Len()
	}
	if found < sockets {
		b.Fatalf("found %d socket owners, want at least %d", found, sockets)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(walked), "ns/fd")
	b.ReportMetric(float64(walked), "fds")
}

// countFDs counts the descriptors of every process under procRoot.
func countFDs(tb testing.TB, procRoot string) int {
	tb.Helper()
	ents, err := os.ReadDir(procRoot)
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if _, ok := decimal32([]byte(e.Name())); !ok {
			continue
		}
		fds, _ := os.ReadDir(filepath.Join(procRoot, e.Name(), "fd"))
		n += len(fds)
	}
	return n
}
