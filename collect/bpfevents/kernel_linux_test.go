//go:build linux && (amd64 || arm64)

package bpfevents

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
)

// openTracer opens a Tracer that sees only ns, or skips t where eBPF is
// unavailable. With CONNTAB_BPFEVENTS_TESTDATA set, the records it reads
// are appended to testdata/events.bin (the fuzz seeds).
func openTracer(t *testing.T, ns *nstest.NS, opts Options) *Tracer {
	t.Helper()
	opts.NetNS = uint32(ns.Inode())
	tr, err := Open(opts)
	if errors.Is(err, ErrUnavailable) {
		t.Skipf("needs eBPF (root, BTF, tp_btf): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tr.Close(); err != nil {
			t.Error(err)
		}
	})
	for _, m := range tr.Missing() {
		t.Logf("missing: %s", m)
	}
	if os.Getenv("CONNTAB_BPFEVENTS_TESTDATA") != "" {
		f, err := os.OpenFile(filepath.Join("testdata", "events.bin"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		tr.raw = func(b []byte) { f.Write(b) }
	}
	return tr
}

// drain reads every record the tracer holds: the programs write them
// while the syscalls run, so once the workload has returned they are all
// in the ring, and a short wait with nothing new ends the read.
func drain(t *testing.T, tr *Tracer) []Event {
	t.Helper()
	var out []Event
	for {
		tr.SetDeadline(time.Now().Add(300 * time.Millisecond))
		e, err := tr.Read()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	lost, err := tr.Lost()
	if err != nil {
		t.Fatal(err)
	}
	if lost != (Lost{}) {
		t.Errorf("lost %+v, want none", lost)
	}
	return out
}

// ownComm is this process's command name, as the kernel stores it.
func ownComm(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

// sockaddr4 is 127.0.0.1:port.
func sockaddr4(port int) *unix.SockaddrInet4 {
	return &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}
}

// dial connects a blocking TCP socket to 127.0.0.1:port and returns its
// descriptor, or the error connect() returned.
func dial(port int) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.Connect(fd, sockaddr4(port)); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// reset closes fd with a RST (SO_LINGER 0): no TIME_WAIT, so that its
// local port is free again at once.
func reset(fd int) error {
	if err := unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0}); err != nil {
		unix.Close(fd)
		return err
	}
	return unix.Close(fd)
}

// listen listens on 127.0.0.1:port in ns; nothing accepts, the backlog
// holds the connections.
func listen(t *testing.T, ns *nstest.NS, port int) {
	t.Helper()
	l, err := ns.Listen("tcp", netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)).String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
}

func filterEvents(events []Event, keep func(Event) bool) []Event {
	var out []Event
	for _, e := range events {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

func opens(events []Event, remote netip.AddrPort) []Event {
	return filterEvents(events, func(e Event) bool {
		return e.Kind == KindState && e.OldState == model.StateSynSent &&
			e.NewState == model.StateEstablished && e.Remote == remote
	})
}

// requireNS is nstest.Require, with the lint of a short name.
func requireNS(t *testing.T) *nstest.NS {
	t.Helper()
	return nstest.Require(t)
}
