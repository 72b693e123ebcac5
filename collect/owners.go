package collect

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/conntab/conntab/model"
)

// The pure pieces of the /proc fd walk (owners_linux.go): what a
// descriptor's link text and a directory's names mean, and the order
// owners are kept in. The decoders take bytes straight from the kernel's
// buffers, so that the walk allocates nothing per descriptor.

// socketInode reads the link text of a socket descriptor, "socket:[12345]"
// as sockfs names it, and returns the inode. Anything else (a path, a pipe,
// "socket:[12x]", a leading zero, an inode of 0 or one that overflows)
// reports false: a socket's link is always spelt this one way, and a wrong
// inode would name another socket's owner.
func socketInode(link []byte) (uint64, bool) {
	const prefix = "socket:["
	if len(link) < len(prefix)+2 || string(link[:len(prefix)]) != prefix || link[len(link)-1] != ']' {
		return 0, false
	}
	digits := link[len(prefix) : len(link)-1]
	if digits[0] == '0' {
		return 0, false
	}
	var n uint64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// decimal32 reads a directory entry's name as a non-negative decimal
// number that fits in an int32: a process's directory under /proc, a
// descriptor under /proc/PID/fd. Other names ("self", "net", "1a", "")
// report false.
func decimal32(name []byte) (int32, bool) {
	if len(name) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range name {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n = n*10 + int64(c-'0'); n > math.MaxInt32 {
			return 0, false
		}
	}
	return int32(n), true
}

// errDirent: a getdents(2) buffer that does not hold whole records.
var errDirent = errors.New("malformed directory entry")

// direntHeader is the size of struct linux_dirent64 before d_name:
// d_ino (8), d_off (8), d_reclen (2), d_type (1).
const direntHeader = 19

// eachDirent calls fn with the name of every record of a getdents64(2)
// buffer, except "." and "..". name is valid only during the call; it is
// followed in buf by the NUL that ends it, so name[:len(name)+1] may be
// handed to a system call as a C string. A record that overruns buf or has
// no NUL is an error quoting its offset.
func eachDirent(buf []byte, fn func(name []byte)) error {
	for off := 0; off < len(buf); {
		rest := buf[off:]
		if len(rest) < direntHeader {
			return fmt.Errorf("%w: %d bytes left at offset %d, want a %d-byte header", errDirent, len(rest), off, direntHeader)
		}
		reclen := int(binary.NativeEndian.Uint16(rest[16:18]))
		if reclen <= direntHeader || reclen > len(rest) {
			return fmt.Errorf("%w: record length %d at offset %d (%d bytes left)", errDirent, reclen, off, len(rest))
		}
		name := rest[direntHeader:reclen]
		end := 0
		for end < len(name) && name[end] != 0 {
			end++
		}
		if end == len(name) {
			return fmt.Errorf("%w: name without NUL at offset %d", errDirent, off)
		}
		name = name[: end : end+1]
		if !dotOrDotDot(name) {
			fn(name)
		}
		off += reclen
	}
	return nil
}

func dotOrDotDot(name []byte) bool {
	return len(name) == 1 && name[0] == '.' || len(name) == 2 && name[0] == '.' && name[1] == '.'
}

// compareOwners orders owners as model.NewOwners does: by inode, pid, fd.
func compareOwners(a, b model.Owner) int {
	if c := cmp.Compare(a.Inode, b.Inode); c != 0 {
		return c
	}
	if c := cmp.Compare(a.PID, b.PID); c != 0 {
		return c
	}
	return cmp.Compare(a.FD, b.FD)
}

// mergeOwners merges two slices sorted by compareOwners.
func mergeOwners(a, b []model.Owner) []model.Owner {
	if len(a) == 0 {
		return b
	}
	out := make([]model.Owner, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if compareOwners(a[0], b[0]) <= 0 {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// mergeOwnersInto merges b into a, both sorted by compareOwners, in a's
// own array, which must have room for b: as mergeOwners, a's owners
// before b's equal ones. From the end, each of b's owners finds its place
// by bisection and the owners of a after it move up in one copy, so a
// few re-read processes cost a million kept owners one move each.
func mergeOwnersInto(a, b []model.Owner) []model.Owner {
	hi := len(a) // a[:hi] is what is left to merge
	a = a[:len(a)+len(b)]
	for k := len(b) - 1; k >= 0; k-- {
		pos := sort.Search(hi, func(i int) bool { return compareOwners(a[i], b[k]) > 0 })
		copy(a[pos+k+1:hi+k+1], a[pos:hi])
		a[pos+k] = b[k]
		hi = pos
	}
	return a
}

// hiddenProcs counts the processes whose descriptors could not be read
// (EACCES, EPERM), and keeps why for the one with the lowest pid: a
// printer says what happened rather than guess (root is refused too,
// by a security module or a user namespace).
type hiddenProcs struct {
	n   int
	pid int32
	err error
}

// add counts process pid, which path's err refused. The error is built
// only when it is kept: a user may be refused hundreds of processes.
func (h *hiddenProcs) add(pid int32, err func() error) {
	h.n++
	if h.err == nil || pid < h.pid {
		h.pid, h.err = pid, err()
	}
}

// merge adds o's processes to h.
func (h *hiddenProcs) merge(o hiddenProcs) {
	h.n += o.n
	if o.err != nil && (h.err == nil || o.pid < h.pid) {
		h.pid, h.err = o.pid, o.err
	}
}

// owners indexes owners (see model.NewOwners) with h's count and reason.
func (h hiddenProcs) owners(owners []model.Owner) *model.Owners {
	o := model.NewOwners(owners, h.n)
	o.HiddenErr = h.err
	return o
}
