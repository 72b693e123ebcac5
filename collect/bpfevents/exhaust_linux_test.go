//go:build linux && (amd64 || arm64)

package bpfevents

import (
	"errors"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// Ports of the listeners, outside the namespace's local port range.
const (
	portA = 8001
	portB = 8002
)

// exhaust runs issue 19's scenario in ns, on the calling (locked) thread:
// 50 connections to A opened and reset one at a time, 20 held to B, then
// 30 more to B that the kernel refuses. It returns the held descriptors.
func exhaust(t *testing.T) (held []int, err error) {
	for i := 0; i < 50; i++ {
		fd, err := dial(portA)
		if err != nil {
			return held, err
		}
		if err := reset(fd); err != nil {
			return held, err
		}
	}
	for i := 0; i < 20; i++ {
		fd, err := dial(portB)
		if err != nil {
			return held, err
		}
		held = append(held, fd)
	}
	for i := 0; i < 30; i++ {
		fd, err := dial(portB)
		if !errors.Is(err, unix.EADDRNOTAVAIL) {
			if err == nil {
				unix.Close(fd)
			}
			t.Errorf("connection %d past the pool: %v, want EADDRNOTAVAIL", i+1, err)
		}
	}
	return held, nil
}

// TestConnectErrors: a 20-port pool, 20 connections held to one
// destination, 30 more refused: exactly 30 connect errors, EADDRNOTAVAIL,
// this process, that destination; and every open seen as a state change.
func TestConnectErrors(t *testing.T) {
	ns := requireNS(t)
	if err := ns.Sysctl("net.ipv4.ip_local_port_range", "40000 40019"); err != nil {
		t.Fatal(err)
	}
	listen(t, ns, portA)
	listen(t, ns, portB)
	// State changes in batches: what drain reads must not depend on them
	// waking the reader.
	tr := openTracer(t, ns, Options{Latency: 50 * time.Millisecond})
	var held []int
	err := ns.Do(func() error {
		var err error
		held, err = exhaust(t)
		return err
	})
	for _, fd := range held {
		unix.Close(fd)
	}
	if err != nil {
		t.Fatal(err)
	}
	events := drain(t, tr)
	pid, comm := uint32(os.Getpid()), ownComm(t)
	b := netip.MustParseAddrPort("127.0.0.1:8002")
	errs := filterEvents(events, func(e Event) bool { return e.Kind == KindConnectError })
	if len(errs) != 30 {
		t.Errorf("%d connect errors, want 30", len(errs))
	}
	for _, e := range errs {
		if e.Errno != Errno(unix.EADDRNOTAVAIL) || e.PID != pid || e.Comm != comm ||
			e.Remote != b || e.NetNS != uint32(ns.Inode()) || e.Proto != model.ProtoTCP {
			t.Errorf("connect error %+v: want EADDRNOTAVAIL from pid %d (%s) to %v in namespace %d",
				e, pid, comm, b, ns.Inode())
		}
		if e.Local != netip.MustParseAddrPort("127.0.0.1:0") || e.PortSearch <= 0 {
			t.Errorf("connect error %+v: want the source address without a port and the search's time", e)
		}
	}
	if len(errs) > 0 {
		t.Logf("%d connect errors, first: %+v", len(errs), errs[0])
	}
	checkOpens(t, events, netip.MustParseAddrPort("127.0.0.1:8001"), 50)
	checkOpens(t, events, b, 20)
}

// checkOpens checks that want connections to remote were seen opening:
// SYN_SENT -> ESTABLISHED, after a CLOSE -> SYN_SENT by this process with
// the same cookie.
func checkOpens(t *testing.T, events []Event, remote netip.AddrPort, want int) {
	t.Helper()
	got := opens(events, remote)
	if len(got) != want {
		t.Errorf("%d opens to %v, want %d", len(got), remote, want)
	}
	started := map[uint64]Event{}
	for _, e := range events {
		if e.Kind == KindState && e.OldState == model.StateClose && e.NewState == model.StateSynSent {
			started[e.Cookie] = e
		}
	}
	for _, e := range got {
		s, ok := started[e.Cookie]
		if !ok || s.PID != uint32(os.Getpid()) || s.Mono > e.Mono || e.Local.Port() < 40000 || e.Local.Port() > 40019 {
			t.Errorf("open %+v: want a SYN_SENT before it by pid %d, a port in the range; SYN_SENT %+v", e, os.Getpid(), s)
		}
	}
}

// TestBindErrors: binds to a port a listener holds fail with EADDRINUSE,
// over IPv4 and IPv6, each seen once; a bind that succeeds is not
// reported.
func TestBindErrors(t *testing.T) {
	ns := requireNS(t)
	listen(t, ns, portA)
	l6, err := ns.Listen("tcp6", "[::1]:8001")
	if err != nil {
		t.Fatal(err)
	}
	defer l6.Close()
	tr := openTracer(t, ns, Options{})
	v4, v6 := sockaddr4(portA), &unix.SockaddrInet6{Port: portA, Addr: [16]byte{15: 1}}
	tries := []struct {
		family int
		sa     unix.Sockaddr
		want   error
	}{
		{unix.AF_INET, v4, unix.EADDRINUSE}, {unix.AF_INET6, v6, unix.EADDRINUSE},
		{unix.AF_INET, v4, unix.EADDRINUSE}, {unix.AF_INET, sockaddr4(portB), nil},
		{unix.AF_INET6, v6, unix.EADDRINUSE}, {unix.AF_INET, v4, unix.EADDRINUSE},
		{unix.AF_INET6, &unix.SockaddrInet6{Port: portB, Addr: v6.Addr}, nil},
	}
	err = ns.Do(func() error {
		for i, try := range tries {
			fd, err := unix.Socket(try.family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return err
			}
			err = unix.Bind(fd, try.sa)
			unix.Close(fd)
			if (try.want == nil) != (err == nil) || (try.want != nil && !errors.Is(err, try.want)) {
				t.Errorf("bind %d: %v, want %v", i, err, try.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkBindErrors(t, drain(t, tr), map[string]int{"127.0.0.1:8001": 3, "[::1]:8001": 2})
}

// checkBindErrors checks that the bind errors are exactly want's, by
// local address, all EADDRINUSE from this process.
func checkBindErrors(t *testing.T, events []Event, want map[string]int) {
	t.Helper()
	pid, comm := uint32(os.Getpid()), ownComm(t)
	got := map[string]int{}
	for _, e := range filterEvents(events, func(e Event) bool { return e.Kind == KindBindError }) {
		got[e.Local.String()]++
		if e.Errno != Errno(unix.EADDRINUSE) || e.PID != pid || e.Comm != comm || e.Proto != model.ProtoTCP || e.Remote.Port() != 0 {
			t.Errorf("bind error %+v: want EADDRINUSE from pid %d (%s)", e, pid, comm)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bind errors by address (-want +got)\n%s", diff)
	}
}

// TestConnectErrorsIPv6: the same refusal over IPv6, through
// tcp_v6_connect: a 20-port pool full of connections to [::1]:8002, and 5
// more refused.
func TestConnectErrorsIPv6(t *testing.T) {
	ns := requireNS(t)
	if err := ns.Sysctl("net.ipv4.ip_local_port_range", "40000 40019"); err != nil {
		t.Fatal(err)
	}
	l, err := ns.Listen("tcp6", "[::1]:8002")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tr := openTracer(t, ns, Options{})
	b := &unix.SockaddrInet6{Port: portB, Addr: [16]byte{15: 1}}
	var held []int
	refused := 0
	err = ns.Do(func() error {
		for range 25 {
			fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return err
			}
			if err := unix.Connect(fd, b); err != nil {
				unix.Close(fd)
				if !errors.Is(err, unix.EADDRNOTAVAIL) {
					return err
				}
				refused++
				continue
			}
			held = append(held, fd)
		}
		return nil
	})
	for _, fd := range held {
		unix.Close(fd)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 20 || refused != 5 {
		t.Fatalf("%d connections held, %d refused; want 20 and 5", len(held), refused)
	}
	errs := filterEvents(drain(t, tr), func(e Event) bool { return e.Kind == KindConnectError })
	if len(errs) != 5 {
		t.Errorf("%d connect errors, want 5", len(errs))
	}
	for _, e := range errs {
		if e.Errno != Errno(unix.EADDRNOTAVAIL) || e.PID != uint32(os.Getpid()) || e.Family != model.FamilyInet6 ||
			e.Remote != netip.MustParseAddrPort("[::1]:8002") || e.Local != netip.MustParseAddrPort("[::1]:0") || e.PortSearch <= 0 {
			t.Errorf("connect error %+v: want EADDRNOTAVAIL from [::1]:0 to [::1]:8002 with the search's time", e)
		}
	}
}
