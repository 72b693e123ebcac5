//go:build linux

package main

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// TIME_WAIT sockets are made with blocking system calls rather than the
// net package: per socket, connect, accept, close the client, read the
// server end to its end of file, close it; the client, having closed
// first, waits in TIME_WAIT. On loopback the handshake and the FIN are
// delivered within the sending call, so nothing waits on a poller. Five
// holders made 40,000 in 2.2 to 2.8 s this way, against 5.9 to 6.5 s with
// a dialer goroutine and a server goroutine per connection, and the whole
// run of -hold 1s -conns 1000 -timewait 40000 took 4.0 to 4.3 s of CPU
// against 7.1 to 7.3 (three runs of each, alternating, on the 2-CPU VM
// of docs/benchmarks.md under a load average of 100).
//
// Workers sharing a listener may accept one another's connections. That
// cannot deadlock: every worker closes its client before it reads, so the
// server end a worker reads is always closed by a worker that never waits
// in between (it is past its connect, and its accept finds the queue
// non-empty: connects are never fewer than accepts).

// The mix of a holder's TIME_WAIT sockets: a quarter over ::1 (an
// IPv6-only listener), a sixteenth from v4-mapped clients (IPv6 sockets
// connecting to ::ffff:127.x.y.z, the IPv4 listener), the rest over IPv4.
const (
	twV6Div     = 4
	twMappedDiv = 16
	// twPerHolderWorkers make one holder's TIME_WAIT sockets.
	twPerHolderWorkers = 4
	// twPerDestination bounds the clients of one destination address
	// and port. connect tries the ephemeral ports of one parity first
	// (32,256 of 1024-65535 here): past them, every connect walks them
	// all before trying the others, and making the batch stalls.
	twPerDestination = 28000
)

// twSplit divides one holder's n TIME_WAIT sockets: over ::1, from
// v4-mapped clients, over IPv4.
func twSplit(n int) (v6, mapped, v4 int) {
	v6, mapped = n/twV6Div, n/twMappedDiv
	return v6, mapped, n - v6 - mapped
}

// twKind is one way of making TIME_WAIT sockets: clients of a family to a
// listener.
type twKind struct {
	listener     int // descriptor, blocking
	clientFamily int
	dst          unix.Sockaddr
}

// listenRaw opens a blocking listener on ap, IPv6-only for an IPv6
// address. Accepted sockets inherit its 30-s receive timeout, which also
// bounds accept.
func listenRaw(ap netip.AddrPort) (int, error) {
	family := unix.AF_INET
	if ap.Addr().Is6() {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("socket for %s: %w", ap, err)
	}
	tv := unix.NsecToTimeval(int64(30 * time.Second))
	err = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if err == nil && family == unix.AF_INET6 {
		err = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
	}
	if err == nil {
		err = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	}
	if err == nil {
		err = unix.Bind(fd, sockaddr(ap))
	}
	if err == nil {
		err = unix.Listen(fd, 4096)
	}
	if err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("listen on %s: %w", ap, err)
	}
	return fd, nil
}

// sockaddr converts ap; an IPv4-mapped IPv6 address stays IPv6.
func sockaddr(ap netip.AddrPort) unix.Sockaddr {
	if ap.Addr().Is4() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
}

// makeTW makes n TIME_WAIT sockets of kind k with workers workers.
func makeTW(k twKind, n, workers int) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 64)
			for next.Add(1) <= int64(n) {
				if err := oneTimeWait(k, buf); err != nil {
					errs[w] = err
					next.Store(int64(n)) // the others stop too
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// oneTimeWait makes one TIME_WAIT socket: see the comment at the top.
func oneTimeWait(k twKind, buf []byte) error {
	c, err := unix.Socket(k.clientFamily, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("TIME_WAIT client socket: %w", err)
	}
	if err := connectBlocking(c, k.dst); err != nil {
		unix.Close(c)
		return fmt.Errorf("TIME_WAIT connect: %w", err)
	}
	s, err := retryEINTR(func() (int, error) {
		s, _, err := unix.Accept4(k.listener, unix.SOCK_CLOEXEC)
		return s, err
	})
	unix.Close(c)
	if err != nil {
		return fmt.Errorf("TIME_WAIT accept: %w", err)
	}
	defer unix.Close(s)
	for {
		n, err := retryEINTR(func() (int, error) { return unix.Read(s, buf) })
		if err != nil {
			return fmt.Errorf("TIME_WAIT server end, waiting for the client's FIN: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}

// connectBlocking connects a blocking socket. A signal (the Go runtime's
// preemption) may interrupt it: the connection then goes on, and poll
// tells when it is made.
func connectBlocking(fd int, sa unix.Sockaddr) error {
	err := unix.Connect(fd, sa)
	if err == nil || !(errors.Is(err, unix.EINTR) || errors.Is(err, unix.EALREADY) || errors.Is(err, unix.EINPROGRESS)) {
		return err
	}
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	for {
		n, err := unix.Poll(pfd, 10000)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return errors.New("not connected after 10 s")
		}
		soErr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return err
		}
		if soErr != 0 {
			return unix.Errno(soErr)
		}
		return nil
	}
}

func retryEINTR(f func() (int, error)) (int, error) {
	for {
		n, err := f()
		if !errors.Is(err, unix.EINTR) {
			return n, err
		}
	}
}
