package nstest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// commMax is the longest process name the kernel keeps (TASK_COMM_LEN
// less its NUL); it cuts longer ones.
const commMax = 15

// StartNamedListener starts a child process whose name (the comm that
// /proc/PID/comm, /proc/PID/stat and ss -p show) is comm, holding a TCP
// socket that listens on addr inside ns. It returns the child's pid, and
// stop, which ends the child and waits for it; stop may be called more
// than once. Tests use it to check that a hostile process name (an escape
// sequence, say "\x1b[31mevil") is read byte for byte and printed escaped.
//
// The socket is opened here, inside ns, and handed to the child as its
// descriptor 3; this process keeps no copy, so the child is the socket's
// only owner. addr must be a literal address (see Listen); with port 0 the
// kernel picks one, which the caller can find by the child's pid.
//
// The child is cat(1) reading a pipe from this process: it holds the
// socket until stop closes the pipe, or until this process dies, since
// the pipe closes then too. It needs no cooperation from the test binary
// (no TestMain hook): the kernel names a process after the file name it
// was executed by, so cat is executed through a symbolic link named comm
// in a temporary directory. That sets the same comm that
// prctl(PR_SET_NAME) sets, but limits comm to what a file name may hold:
// 1 to 15 bytes, no '/' and no NUL, and not "." or "..". Any other byte,
// control characters and invalid UTF-8 included, is kept exactly.
func StartNamedListener(ns *NS, comm, addr string) (pid int, stop func(), err error) {
	return StartNamed(ns, comm, "tcp", addr)
}

// StartNamed is StartNamedListener for any network ns.Listen or
// ns.ListenPacket takes: "tcp4" for an IPv4-only listener (Go's "tcp" on
// 0.0.0.0 or [::] makes a dual-stack IPv6 socket), "tcp6" for an IPv6-only
// one, "udp", "udp4", "udp6" for a bound unconnected UDP socket.
func StartNamed(ns *NS, comm, network, addr string) (pid int, stop func(), err error) {
	if err := checkComm(comm); err != nil {
		return 0, nil, err
	}
	cat, err := exec.LookPath("cat")
	if err != nil {
		return 0, nil, fmt.Errorf("nstest: %w", err)
	}
	// Link to the real file: a link to a link would still be executed under
	// comm's name, but busybox and the like pick their applet by argv[0],
	// which stays "cat".
	if cat, err = filepath.EvalSymlinks(cat); err != nil {
		return 0, nil, fmt.Errorf("nstest: %w", err)
	}
	if cat, err = filepath.Abs(cat); err != nil {
		return 0, nil, fmt.Errorf("nstest: %w", err)
	}
	dir, err := os.MkdirTemp("", "nstest-comm-")
	if err != nil {
		return 0, nil, fmt.Errorf("nstest: %w", err)
	}
	// The running child needs neither the link nor the directory.
	defer os.RemoveAll(dir)
	link := filepath.Join(dir, comm)
	if err := os.Symlink(cat, link); err != nil {
		return 0, nil, fmt.Errorf("nstest: naming a process %q: %w", comm, err)
	}

	sock, err := openSocket(ns, network, addr)
	if err != nil {
		return 0, nil, err
	}
	defer sock.Close()

	cmd := &exec.Cmd{Path: link, Args: []string{"cat"}, ExtraFiles: []*os.File{sock}, Stderr: os.Stderr}
	in, err := cmd.StdinPipe()
	if err != nil {
		return 0, nil, fmt.Errorf("nstest: %w", err)
	}
	// Started from a thread inside ns, the child is in ns too. Start
	// returns once the child has executed cat, so from then on it holds
	// the socket under its new name.
	if err := ns.Do(cmd.Start); err != nil {
		in.Close()
		return 0, nil, fmt.Errorf("nstest: starting a process named %q: %w", comm, err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() { stopChild(cmd, in) })
	}
	return cmd.Process.Pid, stop, nil
}

// openSocket opens a listening or bound socket in ns and returns a
// duplicate of its descriptor, closing the original: the socket stays open
// through the duplicate alone.
func openSocket(ns *NS, network, addr string) (*os.File, error) {
	var sock *os.File
	var err error
	switch network {
	case "tcp", "tcp4", "tcp6":
		l, lerr := ns.Listen(network, addr)
		if lerr != nil {
			return nil, lerr
		}
		sock, err = l.(*net.TCPListener).File()
		l.Close()
	case "udp", "udp4", "udp6":
		c, lerr := ns.ListenPacket(network, addr)
		if lerr != nil {
			return nil, lerr
		}
		sock, err = c.(*net.UDPConn).File()
		c.Close()
	default:
		return nil, fmt.Errorf("nstest: network %q: want tcp, tcp4, tcp6, udp, udp4 or udp6", network)
	}
	if err != nil {
		return nil, fmt.Errorf("nstest: %w", err)
	}
	return sock, nil
}

// checkComm rejects a name the kernel would cut, or that cannot be a file
// name.
func checkComm(comm string) error {
	switch {
	case comm == "" || comm == "." || comm == "..":
		return fmt.Errorf("nstest: process name %q: cannot be a file name", comm)
	case len(comm) > commMax:
		return fmt.Errorf("nstest: process name %q: %d bytes, the kernel keeps %d", comm, len(comm), commMax)
	case strings.ContainsAny(comm, "/\x00"):
		return fmt.Errorf("nstest: process name %q: a file name holds no '/' or NUL", comm)
	}
	return nil
}

// stopChild closes the child's stdin, which ends cat, and waits for it;
// it kills a child that has not exited after five seconds.
func stopChild(cmd *exec.Cmd, in io.Closer) {
	in.Close()
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			fmt.Fprintf(os.Stderr, "nstest: killing child %d: %v\n", cmd.Process.Pid, err)
		}
		<-done
	}
}
