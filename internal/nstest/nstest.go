// Package nstest makes network namespaces for tests and benchmarks that need
// a real kernel: a fresh namespace holds only what the test put there, so a
// test can check exact 5-tuples and states, and compare with ss(8) run in
// the same namespace.
//
// Create needs CAP_SYS_ADMIN (in practice: root). It uses no iproute2: the
// namespace is made with unshare(2) on a locked OS thread and lives while
// its NS is open, or while a process is inside it. Require wraps Create for
// tests and skips when the namespace cannot be made.
//
// Go code enters the namespace with Do, which runs a function on a locked
// OS thread that has joined it; sockets created there stay in the
// namespace. Other programs enter it with Command (nsenter(1)), or by
// opening Path.
package nstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Errors callers can match with errors.Is.
var (
	// ErrUnshare: this process may not create a network namespace (not
	// root, no CAP_SYS_ADMIN, or a sandbox forbids unshare).
	ErrUnshare = errors.New("nstest: cannot create a network namespace")
	// ErrUnsupported: this platform has no network namespaces.
	ErrUnsupported = errors.New("nstest: not supported on this platform")
	// ErrClosed: the namespace was closed.
	ErrClosed = errors.New("nstest: namespace closed")
)

// NS is a network namespace, kept alive by an open file of it.
type NS struct {
	f *os.File
	// ino is the namespace's inode number, as /proc/PID/ns/net shows it.
	ino uint64
}

// Path is a file naming the namespace ("/proc/PID/fd/FD") that other
// processes, nsenter --net and collect.Config.NetNS can open while ns is
// open.
func (ns *NS) Path() string {
	return fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), ns.f.Fd())
}

// Inode is the namespace's inode number, which model.Snapshot.NetNS and
// model.Socket.NetNS carry (truncated to 32 bits there).
func (ns *NS) Inode() uint64 { return ns.ino }

// Close releases the namespace. The kernel frees it, and every socket in
// it, once no process is inside it either.
func (ns *NS) Close() error {
	if ns.f == nil {
		return ErrClosed
	}
	err := ns.f.Close()
	ns.f = nil
	if err != nil {
		return fmt.Errorf("nstest: closing namespace: %w", err)
	}
	return nil
}

// Command returns a command that runs name inside the namespace, through
// nsenter(1) from util-linux.
func (ns *NS) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("nsenter", append([]string{"--net=" + ns.Path(), name}, args...)...)
}

// Sysctl sets a sysctl inside the namespace. name is spelt as sysctl(8)
// spells it: "net.ipv4.tcp_tw_reuse", or as a path below /proc/sys when it
// holds a slash.
func (ns *NS) Sysctl(name, value string) error {
	path := name
	if !strings.Contains(path, "/") {
		path = strings.ReplaceAll(path, ".", "/")
	}
	path = "/proc/sys/" + strings.TrimPrefix(path, "/")
	// /proc/sys/net resolves against the opening thread's namespace, so
	// opening it inside Do reaches the namespace's own table.
	return ns.Do(func() error {
		if err := os.WriteFile(path, []byte(value), 0); err != nil {
			return fmt.Errorf("nstest: sysctl %s=%q: %w", name, value, err)
		}
		return nil
	})
}

// ReadSysctl reads a sysctl inside the namespace, without the trailing
// newline.
func (ns *NS) ReadSysctl(name string) (string, error) {
	path := name
	if !strings.Contains(path, "/") {
		path = strings.ReplaceAll(path, ".", "/")
	}
	path = "/proc/sys/" + strings.TrimPrefix(path, "/")
	var out []byte
	err := ns.Do(func() error {
		var err error
		out, err = os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("nstest: sysctl %s: %w", name, err)
		}
		return nil
	})
	return strings.TrimRight(string(out), "\n"), err
}

// The socket helpers take literal addresses only: a host name would make
// the net package resolve it, and dial several addresses, on goroutines
// that are not inside the namespace. TCP keepalive is off so that sockets
// carry no timer the test did not ask for.

// Listen listens on a TCP or Unix address inside the namespace.
func (ns *NS) Listen(network, address string) (net.Listener, error) {
	if err := literal(network, address); err != nil {
		return nil, err
	}
	lc := net.ListenConfig{KeepAlive: -1}
	var l net.Listener
	err := ns.Do(func() error {
		var err error
		l, err = lc.Listen(context.Background(), network, address)
		return err
	})
	return l, err
}

// ListenPacket opens a UDP (or other packet) socket bound to address inside
// the namespace; the socket is unconnected.
func (ns *NS) ListenPacket(network, address string) (net.PacketConn, error) {
	if err := literal(network, address); err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	var c net.PacketConn
	err := ns.Do(func() error {
		var err error
		c, err = lc.ListenPacket(context.Background(), network, address)
		return err
	})
	return c, err
}

// Dial connects to address from inside the namespace. For UDP it returns a
// connected socket.
func (ns *NS) Dial(network, address string) (net.Conn, error) {
	if err := literal(network, address); err != nil {
		return nil, err
	}
	d := net.Dialer{KeepAlive: -1, Timeout: 10 * time.Second}
	var c net.Conn
	err := ns.Do(func() error {
		var err error
		c, err = d.Dial(network, address)
		return err
	})
	return c, err
}

// literal rejects addresses with a host name, which would be resolved and
// dialled on goroutines outside the namespace.
func literal(network, address string) error {
	if strings.HasPrefix(network, "unix") {
		return nil
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("nstest: address %q: %w", address, err)
	}
	if host == "" {
		return nil
	}
	if _, err := netip.ParseAddr(host); err != nil {
		return fmt.Errorf("nstest: address %q: want a literal IP address, not a host name", address)
	}
	return nil
}
