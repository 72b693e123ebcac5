package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/internal/nstest"
)

// startNamed starts this test binary inside ns, named comm, listening on
// addr, with args (its init below ends it before they are read), and
// waits for it to say it is ready. It holds its socket until the test
// ends.
func startNamed(t *testing.T, ns *nstest.NS, comm, addr string, args ...string) *exec.Cmd {
	t.Helper()
	child := ns.Command(os.Args[0], args...)
	child.Env = append(os.Environ(), "CONNTAB_TEST_PRCTL="+comm, "CONNTAB_TEST_LISTEN="+addr)
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		child.Wait()
	})
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("child said %q, %v", line, err)
	}
	return child
}

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
