package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
)

// portsNS is a namespace whose ephemeral range holds 200 ports, with
// servers that accept everything and close when the client does.
type portsNS struct {
	t  *testing.T
	ns *nstest.NS
	// fds are the client sockets the test holds open.
	fds []int
}

func newPortsNS(t *testing.T, sysctls ...string) *portsNS {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace and set its sysctls")
	}
	ns, err := nstest.Create()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Close() })
	sysctls = append([]string{"net.ipv4.ip_local_port_range", "40000 40199", "net.ipv4.tcp_tw_reuse", "0"}, sysctls...)
	for i := 0; i < len(sysctls); i += 2 {
		if err := ns.Sysctl(sysctls[i], sysctls[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	p := &portsNS{t: t, ns: ns}
	t.Cleanup(func() {
		for _, fd := range p.fds {
			unix.Close(fd)
		}
	})
	return p
}

// serve listens on addr and, for every connection, reads until the peer
// closes, then closes its side: the client, closing first, keeps the
// TIME_WAIT socket.
func (p *portsNS) serve(addr string) {
	p.t.Helper()
	l, err := p.ns.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				var b [64]byte
				for {
					if _, err := c.Read(b[:]); err != nil {
						c.Close()
						return
					}
				}
			}()
		}
	}()
}

// connect opens a TCP connection from inside the namespace to dst,
// optionally binding it to src first (port 0: bind-before-connect), and
// returns the socket, or the errno connect() failed with.
func (p *portsNS) connect(dst netip.AddrPort, src netip.Addr) (int, error) {
	var fd int
	err := p.ns.Do(func() error {
		var err error
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		if src.IsValid() {
			if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: src.As4()}); err != nil {
				unix.Close(fd)
				return err
			}
		}
		if err := unix.Connect(fd, &unix.SockaddrInet4{Addr: dst.Addr().As4(), Port: int(dst.Port())}); err != nil {
			unix.Close(fd)
			return err
		}
		return nil
	})
	return fd, err
}

// hold makes n connections to dst and keeps them open.
func (p *portsNS) hold(n int, dst netip.AddrPort, src netip.Addr) {
	p.t.Helper()
	for range n {
		fd, err := p.connect(dst, src)
		if err != nil {
			p.t.Fatalf("connect %v: %v", dst, err)
		}
		p.fds = append(p.fds, fd)
	}
}

// timeWait leaves n more TIME_WAIT sockets to dst, made by connections
// this test opens and closes first, and waits until every one of them is
// in TIME_WAIT and nothing else is closing.
//
// Closing n connections does not always leave n TIME_WAIT sockets: now and
// then the kernel answers the server's FIN with a reset and the socket is
// gone (seen here as TcpOutRsts rising by exactly the number missing, one
// or two in a hundred, mostly while other tests load the machine). So
// timeWait counts what is there once the closing is over and makes up the
// difference, a few times at most. Counting the closing states alone
// would not do either: a dump is not atomic, and a socket that turns from
// FIN_WAIT2 into TIME_WAIT while the kernel walks its hash bucket can be
// left out of that dump.
func (p *portsNS) timeWait(n int, dst netip.AddrPort) {
	p.t.Helper()
	count := func() (tw, closing int) {
		for _, s := range p.snapshot().Sockets {
			switch s.State {
			case model.StateTimeWait:
				if s.Remote == dst {
					tw++
				}
			case model.StateFinWait1, model.StateFinWait2, model.StateLastAck, model.StateCloseWait, model.StateClosing:
				closing++
			}
		}
		return tw, closing
	}
	before, _ := count()
	missing := n
	for try := 0; try < 5 && missing > 0; try++ {
		for range missing {
			fd, err := p.connect(dst, netip.Addr{})
			if err != nil {
				p.t.Fatalf("connect %v: %v", dst, err)
			}
			unix.Close(fd)
		}
		// FIN_WAIT2 turns into TIME_WAIT when the server's FIN arrives.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			tw, closing := count()
			if closing == 0 {
				missing = before + n - tw
				break
			}
			if time.Now().After(deadline) {
				p.t.Fatalf("after 10 s: %d of %d sockets to %v in TIME_WAIT, %d still closing", tw-before, n, dst, closing)
			}
		}
	}
	if missing != 0 {
		p.t.Fatalf("%d of %d TIME_WAIT sockets to %v missing after 5 tries", missing, n, dst)
	}
}

func (p *portsNS) snapshot() *model.Snapshot {
	p.t.Helper()
	snap, err := collect.New(collect.Config{Mode: collect.ModeNetlink, NetNS: p.ns.Path(), Protos: []model.Proto{model.ProtoTCP}}).Collect(p.t.Context())
	if err != nil {
		p.t.Fatal(err)
	}
	return snap
}

// exhaust connects to dst, holding each connection, until connect() fails
// with EADDRNOTAVAIL, and returns how many succeeded.
func (p *portsNS) exhaust(dst netip.AddrPort) int {
	p.t.Helper()
	for n := 0; ; n++ {
		fd, err := p.connect(dst, netip.Addr{})
		if errors.Is(err, unix.EADDRNOTAVAIL) {
			return n
		}
		if err != nil {
			p.t.Fatalf("connect %v after %d: %v", dst, n, err)
		}
		p.fds = append(p.fds, fd)
		if n > 1000 {
			p.t.Fatalf("connect %v: still no EADDRNOTAVAIL after %d connections", dst, n)
		}
	}
}

// TestPortsExhaustion is issue 6's acceptance test: a 200-port range with
// a listener inside it, 60 connections held and 100 left in TIME_WAIT to
// one destination. The report must count them exactly, give U as the
// kernel allows it and the right severity; connect() must then fail with
// EADDRNOTAVAIL within 2 connections of the free ports it predicts, and a
// second destination must keep its own budget and still connect.
func TestPortsExhaustion(t *testing.T) {
	p := newPortsNS(t)
	db := netip.MustParseAddrPort("127.0.0.1:5432")
	cache := netip.MustParseAddrPort("127.0.0.1:6379")
	p.serve(db.String())
	p.serve(cache.String())
	p.serve("127.0.0.1:40100") // a service inside the range
	p.hold(60, db, netip.Addr{})
	p.timeWait(100, db)
	p.hold(1, cache, netip.Addr{})

	r := p.report()
	if r.Usable != 199 || r.Held != 1 || r.Reserved != 0 {
		t.Errorf("Usable, Held, Reserved = %d, %d, %d; want 199, 1, 0", r.Usable, r.Held, r.Reserved)
	}
	pool := reportPool(t, r, db)
	// 160 of 199 ports: 80.4%, a warning; 39 left.
	if pool.States.Of(model.StateEstablished) != 60 || pool.States.Of(model.StateTimeWait) != 100 ||
		pool.InUse != 160 || pool.Usable != 199 || pool.Free() != 39 || pool.Severity != analyze.SeverityWarn {
		t.Errorf("db pool: ESTABLISHED %d, TIME_WAIT %d, in use %d, usable %d, free %d, %v; want 60, 100, 160, 199, 39, warn",
			pool.States.Of(model.StateEstablished), pool.States.Of(model.StateTimeWait), pool.InUse, pool.Usable, pool.Free(), pool.Severity)
	}
	other := reportPool(t, r, cache)
	if other.InUse != 1 || other.Usable != 199 || other.Free() != 198 || other.Severity != analyze.SeverityNone {
		t.Errorf("cache pool: in use %d, usable %d, free %d, %v; want 1, 199, 198, none", other.InUse, other.Usable, other.Free(), other.Severity)
	}
	if !hasFinding(r, analyze.FindHeldPort, "port 40100 in the range") || !hasFinding(r, analyze.FindPool, "127.0.0.1 → 127.0.0.1:5432") {
		t.Errorf("findings %+v: want the pool and port 40100", r.Findings)
	}

	// The listing flags the same pool on each of its sockets.
	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"list", "--flags", "--json", "-N", p.ns.Path(), "dst", db.String()}, &out, &errb); err != nil {
		t.Fatalf("conntab list --flags: %v (%s)", err, errb.String())
	}
	lines := 0
	for dec := json.NewDecoder(&out); dec.More(); lines++ {
		var j render.SocketJSON
		if err := dec.Decode(&j); err != nil {
			t.Fatal(err)
		}
		want := []render.FlagJSON{
			{Kind: "time-wait", Severity: "notice", Label: "• TW 50%"},
			{Kind: "ports", Severity: "warn", Label: "▲ PORTS 80%"},
		}
		for i := range j.Flags {
			j.Flags[i].Reason = ""
		}
		if diff := cmp.Diff(want, j.Flags); diff != "" {
			t.Fatalf("conntab list --flags: %s %v flags (-want +got):\n%s", j.State, j.Local, diff)
		}
	}
	if lines != 160 || !strings.Contains(errb.String(), "'conntab ports' explains them") {
		t.Errorf("conntab list --flags: %d sockets to %v, want 160; stderr %q", lines, db, errb.String())
	}

	n := p.exhaust(db)
	if d := n - pool.Free(); d < -2 || d > 2 {
		t.Errorf("connect() to %v failed with EADDRNOTAVAIL after %d more connections; the report predicted %d", db, n, pool.Free())
	}
	t.Logf("EADDRNOTAVAIL after %d connections; predicted %d", n, pool.Free())
	fd, err := p.connect(cache, netip.Addr{})
	if err != nil {
		t.Fatalf("connect() to the second destination %v after the first ran out: %v", cache, err)
	}
	p.fds = append(p.fds, fd)
}

// TestPortsBindBeforeConnect binds sockets to another loopback address,
// port 0, before connecting: the report must name them, and take their
// ports out of every connect() pool, as the kernel does.
func TestPortsBindBeforeConnect(t *testing.T) {
	p := newPortsNS(t)
	db := netip.MustParseAddrPort("127.0.0.1:5432")
	p.serve(db.String())
	src := netip.MustParseAddr("127.0.0.2")
	p.hold(10, db, src)
	p.hold(5, db, netip.Addr{})

	r := p.report()
	if len(r.BindPools) != 1 || r.BindPools[0].Local != src || r.BindPools[0].Sockets != 10 {
		t.Fatalf("BindPools %+v: want 10 sockets from %v", r.BindPools, src)
	}
	if !hasFinding(r, analyze.FindBindConnect, "bind-before-connect from 127.0.0.2") {
		t.Errorf("findings %+v: want bind-before-connect from 127.0.0.2", r.Findings)
	}
	pool := reportPool(t, r, db)
	if r.Usable != 190 || pool.InUse != 5 || pool.Free() != 185 {
		t.Errorf("Usable %d, db pool in use %d, free %d; want 190, 5, 185", r.Usable, pool.InUse, pool.Free())
	}
	n := p.exhaust(db)
	if d := n - pool.Free(); d < -2 || d > 2 {
		t.Errorf("connect() to %v failed with EADDRNOTAVAIL after %d more connections; the report predicted %d", db, n, pool.Free())
	}
	t.Logf("EADDRNOTAVAIL after %d connections; predicted %d", n, pool.Free())
}

// TestPortsTwReuse: with tcp_tw_reuse 2 (loopback) and timestamps on,
// connect() takes over TIME_WAIT sockets older than a second; the report
// counts them as reusable, and the budget holds.
func TestPortsTwReuse(t *testing.T) {
	p := newPortsNS(t, "net.ipv4.tcp_tw_reuse", "2", "net.ipv4.tcp_timestamps", "1")
	db := netip.MustParseAddrPort("127.0.0.1:5432")
	p.serve(db.String())
	p.hold(20, db, netip.Addr{})
	p.timeWait(150, db)
	time.Sleep(1100 * time.Millisecond) // past tcp_tw_reuse_delay

	r := p.report()
	pool := reportPool(t, r, db)
	// A slow machine may take over a TIME_WAIT tuple while the 150 are
	// made (they can be older than a second by then): count what is there.
	tw := pool.States.Of(model.StateTimeWait)
	if tw < 140 || pool.InUse != 20+tw || pool.TimeWaitReusable != tw || pool.Free() != 180 || pool.Severity != analyze.SeverityNone {
		t.Errorf("db pool: TIME_WAIT %d, in use %d, reusable %d, free %d, %v; want about 150, 20 + TIME_WAIT, all of TIME_WAIT, 180, none",
			tw, pool.InUse, pool.TimeWaitReusable, pool.Free(), pool.Severity)
	}
	n := p.exhaust(db)
	if d := n - pool.Free(); d < -2 || d > 2 {
		t.Errorf("connect() to %v failed with EADDRNOTAVAIL after %d more connections; the report predicted %d", db, n, pool.Free())
	}
	t.Logf("EADDRNOTAVAIL after %d connections; predicted %d", n, pool.Free())
}

// report reads the namespace's ports report.
func (p *portsNS) report() *analyze.PortsReport {
	p.t.Helper()
	snap, err := collect.New(collect.Config{Mode: collect.ModeNetlink, NetNS: p.ns.Path(), Settings: true}).Collect(p.t.Context())
	if err != nil {
		p.t.Fatal(err)
	}
	th := analyze.DefaultThresholds()
	return analyze.Ports(snap, analyze.Destinations(snap, nil, 0, th), model.NetCounters{}, 0, th)
}

func reportPool(t *testing.T, r *analyze.PortsReport, remote netip.AddrPort) *analyze.PoolReport {
	t.Helper()
	for i := range r.Pools {
		if r.Pools[i].Remote == remote && r.Pools[i].Local == remote.Addr() {
			return &r.Pools[i]
		}
	}
	t.Fatalf("no pool %v -> %v in the report", remote.Addr(), remote)
	return nil
}

func hasFinding(r *analyze.PortsReport, k analyze.FindingKind, subject string) bool {
	for _, f := range r.Findings {
		if f.Kind == k && f.Subject == subject {
			return true
		}
	}
	return false
}
