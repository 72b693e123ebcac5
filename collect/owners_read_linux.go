package collect

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The system calls of the owner walk, made so that a descriptor costs no
// allocation: getdents64 into a worker's buffer, readlinkat on a name
// already NUL-terminated, and comm read into a reused buffer.

// list reads the names of the descriptors in j.fdDir.
func (j *fdJob) list(buf []byte) error {
	for {
		n, err := unix.Getdents(j.fdDir, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return err
		}
		err = eachDirent(buf[:n], func(name []byte) {
			fd, ok := decimal32(name)
			if !ok {
				return
			}
			j.starts = append(j.starts, int32(len(j.names)))
			j.fds = append(j.fds, fd)
			j.names = append(j.names, name[:len(name)+1]...) // with its NUL
		})
		if err != nil {
			return err
		}
	}
}

func (j *fdJob) close() {
	unix.Close(j.fdDir)
	unix.Close(j.dir)
}

// readlinkat reads the link name in directory dirfd into buf. name must
// start with the link's name and hold the NUL that ends it, as fdJob.names
// does: unix.Readlinkat would copy the name into a new C string for every
// descriptor.
func readlinkat(dirfd int, name, buf []byte) (int, error) {
	for {
		n, _, errno := syscall.Syscall6(unix.SYS_READLINKAT, uintptr(dirfd),
			uintptr(unsafe.Pointer(unsafe.SliceData(name))),
			uintptr(unsafe.Pointer(unsafe.SliceData(buf))), uintptr(len(buf)), 0, 0)
		switch errno {
		case 0:
			return int(n), nil
		case unix.EINTR:
			continue
		}
		return 0, errno
	}
}

// readComm reads the process name from dir/comm: the kernel's bytes
// without the newline it adds, otherwise exactly (it is untrusted text;
// escaping is the printer's job).
func (wk *ownerWorker) readComm(dir int) (string, error) {
	fd, err := unix.Openat(dir, "comm", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	n := 0
	for n < len(wk.comm) {
		m, err := unix.Read(fd, wk.comm[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", err
		}
		if m == 0 {
			break
		}
		n += m
	}
	b := wk.comm[:n]
	if len(b) > 0 && b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
	}
	return string(b), nil
}
