package main

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// errNoSandbox: refuseSockDiag does not know this architecture's
// system call numbers.
var errNoSandbox = errors.New("no seccomp sandbox for " + runtime.GOARCH)

// refuseSockDiag makes every thread of this process refuse, with EPERM,
// socket(AF_NETLINK, *, NETLINK_SOCK_DIAG) and nothing else: what a
// seccomp sandbox that forbids sock_diag does (a container runtime's
// profile, gVisor). conntab then cannot read sockets over netlink.
func refuseSockDiag() error {
	arch, ok := map[string]uint32{"amd64": unix.AUDIT_ARCH_X86_64, "arm64": unix.AUDIT_ARCH_AARCH64}[runtime.GOARCH]
	if !ok {
		return errNoSandbox
	}
	const (
		load  = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		jeq   = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		ret   = unix.BPF_RET | unix.BPF_K
		allow = 9 // the index of the last instruction
	)
	// struct seccomp_data: nr at 0, arch at 4, args[i] at 16+8i (the low
	// half first on these little-endian machines).
	prog := []unix.SockFilter{
		0: {Code: load, K: 4},
		1: {Code: jeq, K: arch, Jf: allow - 2},
		2: {Code: load, K: 0},
		3: {Code: jeq, K: unix.SYS_SOCKET, Jf: allow - 4},
		4: {Code: load, K: 16},
		5: {Code: jeq, K: unix.AF_NETLINK, Jf: allow - 6},
		6: {Code: load, K: 32},
		7: {Code: jeq, K: unix.NETLINK_SOCK_DIAG, Jf: allow - 8},
		8: {Code: ret, K: unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)},
		9: {Code: ret, K: unix.SECCOMP_RET_ALLOW},
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", err)
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	// TSYNC puts every thread the runtime has started under the filter;
	// it answers with the id of a thread that could not be.
	tid, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog)))
	switch {
	case errno != 0:
		return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER): %w", errno)
	case tid != 0:
		return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER): thread %d could not be synchronised", tid)
	}
	return nil
}
