package bpfevents

import "fmt"

// errnoNames are Linux's names of the errors connect() and bind() return
// in the kernel code the programs watch (include/uapi/asm-generic/errno*.h).
// The numbers are Linux's wherever the records are decoded.
var errnoNames = map[Errno]string{
	1: "EPERM", 4: "EINTR", 9: "EBADF", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES",
	14: "EFAULT", 22: "EINVAL", 24: "EMFILE", 95: "EOPNOTSUPP", 97: "EAFNOSUPPORT",
	98: "EADDRINUSE", 99: "EADDRNOTAVAIL", 100: "ENETDOWN", 101: "ENETUNREACH",
	103: "ECONNABORTED", 104: "ECONNRESET", 106: "EISCONN", 110: "ETIMEDOUT",
	111: "ECONNREFUSED", 113: "EHOSTUNREACH", 114: "EALREADY", 115: "EINPROGRESS",
}

// String is the error's name, as errno(3) spells it: "EADDRNOTAVAIL".
func (e Errno) String() string {
	if n, ok := errnoNames[e]; ok {
		return n
	}
	return fmt.Sprintf("errno(%d)", uint32(e))
}
