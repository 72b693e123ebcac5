package main

import (
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/watch"
)

// Issue 19's scenario: a 20-port pool; 50 connections to A, each reset at
// once; 20 held to B; 30 more to B, which the kernel refuses.
const (
	failPortA, failPortB         = 8001, 8002
	failOpensA, failHeld, failsB = 50, 20, 30
	failRange                    = "40000 40019"
)

// failScenario sets up the pool and both listeners in ns, and returns
// the test process's comm (as the kernel names it).
func failScenario(t *testing.T, ns *nstest.NS) string {
	t.Helper()
	if err := ns.Sysctl("net.ipv4.ip_local_port_range", failRange); err != nil {
		t.Fatal(err)
	}
	for _, port := range []int{failPortA, failPortB} {
		ln, err := ns.Listen("tcp4", net.JoinHostPort("127.0.0.1", itoa(port)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { c.Close() })
			}
		}()
	}
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(comm))
}

func itoa(n int) string { return strconv.Itoa(n) }

// exhaustPool runs the scenario's connections and returns the held ones.
func exhaustPool(t *testing.T, ns *nstest.NS) []net.Conn {
	t.Helper()
	for i := 0; i < failOpensA; i++ {
		c, err := ns.Dial("tcp4", "127.0.0.1:8001")
		if err != nil {
			t.Fatalf("connection %d to A: %v", i+1, err)
		}
		// A reset leaves no TIME_WAIT to hold the port.
		if err := c.(*net.TCPConn).SetLinger(0); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	var held []net.Conn
	for i := 0; i < failHeld; i++ {
		c, err := ns.Dial("tcp4", "127.0.0.1:8002")
		if err != nil {
			t.Fatalf("held connection %d to B: %v", i+1, err)
		}
		held = append(held, c)
	}
	// connect() itself: Go's Dial tries twice more on EADDRNOTAVAIL.
	err := ns.Do(func() error {
		for i := 0; i < failsB; i++ {
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
			if err != nil {
				return err
			}
			err = unix.Connect(fd, &unix.SockaddrInet4{Port: failPortB, Addr: [4]byte{127, 0, 0, 1}})
			unix.Close(fd)
			if !errors.Is(err, unix.EADDRNOTAVAIL) {
				t.Errorf("connection %d past the pool: %v, want EADDRNOTAVAIL", i+1, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return held
}

// TestKernelWatchConnectErrors: conntab watch --json, started before,
// reports the 50 opens to A from the tracepoint, the 20 to B, and exactly
// 30 connect_error events, EADDRNOTAVAIL, from this process to B, with
// the search's time; the filter selects failures by their destination.
func TestKernelWatchConnectErrors(t *testing.T) {
	ns := nstest.Require(t)
	comm := failScenario(t, ns)
	w := startWatch(t, ns, os.Args[0], false, "watch", "--json", "-i", "50ms", "dport = :8001 or dport = :8002")
	held := exhaustPool(t, ns)
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	evs := w.read(t, nil, func(evs []watch.EventJSON) bool {
		return count(evs, "connect_error") >= failsB && count(evs, "open") >= failOpensA+failHeld
	})
	evs = w.interrupt(t, evs)
	opens := map[uint16]int{}
	for _, ev := range evs {
		switch ev.Event {
		case "open":
			opens[ev.Remote.Port]++
			if ev.Source != "tracepoint" || ev.PID == nil || int(*ev.PID) != os.Getpid() {
				t.Errorf("open %+v: want from the tracepoint, naming pid %d", ev, os.Getpid())
			}
		case "connect_error":
			checkFailure(t, ev, "EADDRNOTAVAIL", comm, "127.0.0.1", failPortB)
			if ev.Remote.Addr != "127.0.0.1" || ev.Local.Port != 0 || ev.PortSearchNS == nil || *ev.PortSearchNS <= 0 {
				t.Errorf("connect_error %+v: want to 127.0.0.1:%d from port 0, with the port search's time", ev, failPortB)
			}
		}
	}
	if n := count(evs, "connect_error"); n != failsB {
		t.Errorf("%d connect_error events, want %d", n, failsB)
	}
	if opens[failPortA] != failOpensA || opens[failPortB] != failHeld {
		t.Errorf("opens by destination port %v, want %d to %d and %d to %d", opens, failOpensA, failPortA, failHeld, failPortB)
	}
	if strings.Contains(w.notice(), "cannot be seen") {
		t.Errorf("stderr says failures cannot be seen:\n%s", w.notice())
	}
}

// checkFailure: a failure names its errno, this process, and the
// address it failed on (the destination of a connect, the address a bind
// asked for).
func checkFailure(t *testing.T, ev watch.EventJSON, errno, comm, addr string, port uint16) {
	t.Helper()
	at := ev.Remote
	if ev.Event == "bind_error" {
		at = ev.Local
	}
	if ev.Errno != errno || ev.Source != "tracepoint" || ev.PID == nil || int(*ev.PID) != os.Getpid() ||
		ev.Comm == nil || *ev.Comm != comm || at.Addr != addr || at.Port != port {
		t.Errorf("%s %+v: want %s from pid %d (%s) on %s:%d, seen by the tracepoint", ev.Event, ev, errno, os.Getpid(), comm, addr, port)
	}
}

// interrupt reads what comes in 300ms more (anything is reported too
// many), interrupts the watch, which must exit 0, and returns every event.
func (w *runningWatch) interrupt(t *testing.T, evs []watch.EventJSON) []watch.EventJSON {
	t.Helper()
	time.Sleep(300 * time.Millisecond)
	if err := w.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for line := range w.lines {
		evs = append(evs, decodeEvent(t, line))
	}
	if err := w.cmd.Wait(); err != nil {
		t.Errorf("watch ended with %v, want exit 0 on SIGINT: %s", err, w.notice())
	}
	return evs
}

// TestKernelWatchBindErrors: 7 binds to the address a listener holds
// fail with EADDRINUSE: exactly 7 bind_error events naming this process
// and the address; a bind that succeeds makes none.
func TestKernelWatchBindErrors(t *testing.T) {
	ns := nstest.Require(t)
	comm := failScenario(t, ns)
	w := startWatch(t, ns, os.Args[0], false, "watch", "--json", "-i", "50ms")
	const binds = 7
	err := ns.Do(func() error {
		for i := 0; i < binds+1; i++ {
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
			if err != nil {
				return err
			}
			port := failPortA
			if i == binds {
				port = failPortA + 100 // free: no event
			}
			err = unix.Bind(fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}})
			unix.Close(fd)
			if (i < binds) != errors.Is(err, unix.EADDRINUSE) {
				t.Errorf("bind %d to port %d: %v", i+1, port, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	evs := w.read(t, nil, func(evs []watch.EventJSON) bool { return count(evs, "bind_error") >= binds })
	evs = w.interrupt(t, evs)
	for _, ev := range evs {
		if ev.Event == "bind_error" {
			checkFailure(t, ev, "EADDRINUSE", comm, "127.0.0.1", failPortA)
		}
	}
	if n := count(evs, "bind_error"); n != binds {
		t.Errorf("%d bind_error events, want %d", n, binds)
	}
}

// TestKernelWatchNoBPF: with eBPF disabled (CONNTAB_NO_BPF=1) the same
// run says once on stderr that failures cannot be seen and why, reports
// no failure, and still reports the held connections' opens, from the
// samples.
func TestKernelWatchNoBPF(t *testing.T) {
	ns := nstest.Require(t)
	failScenario(t, ns)
	t.Setenv(watch.NoBPFEnv, "1")
	w := startWatch(t, ns, os.Args[0], false, "watch", "--json", "-i", "50ms", "dport = :8001 or dport = :8002")
	held := exhaustPool(t, ns)
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	evs := w.read(t, nil, func(evs []watch.EventJSON) bool { return count(evs, "open") >= failHeld })
	evs = w.interrupt(t, evs)
	for _, ev := range evs {
		if ev.Event == "open" && (ev.Source != "sample" || ev.Remote.Port != failPortB) {
			t.Errorf("open %+v: want held to %d, seen by a sample", ev, failPortB)
		}
	}
	if n := count(evs, "open"); n != failHeld || count(evs, "connect_error") != 0 {
		t.Errorf("%d opens, %d connect_error; want %d opens (the held ones), no failures", n, count(evs, "connect_error"), failHeld)
	}
	const said = "conntab: connect() and bind() failures cannot be seen: eBPF unavailable: disabled"
	if n := strings.Count(w.notice(), said); n != 1 {
		t.Errorf("stderr says %q %d times, want once:\n%s", said, n, w.notice())
	}
}
