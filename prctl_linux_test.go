package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The test binary, started with CONNTAB_TEST_PRCTL=NAME inside a test
// namespace, names itself NAME with prctl(PR_SET_NAME), listens on
// CONNTAB_TEST_LISTEN, says "ready", and holds the socket until its
// standard input closes. init runs on the main thread, and the main
// thread's name is the process's (/proc/PID/comm).
func init() {
	comm := os.Getenv("CONNTAB_TEST_PRCTL")
	if comm == "" {
		return
	}
	name := append([]byte(comm), 0)
	if err := unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&name[0])), 0, 0, 0); err != nil {
		fmt.Println("prctl:", err)
		os.Exit(1)
	}
	l, err := net.Listen("tcp4", os.Getenv("CONNTAB_TEST_LISTEN"))
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	defer l.Close()
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}
