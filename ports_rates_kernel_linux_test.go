package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/sample"
)

// churn opens n connections to dst and closes each at once, the client
// first, then waits until none is closing any more: each leaves a
// TIME_WAIT socket, unless connect() took one over for it.
func (p *portsNS) churn(n int, dst netip.AddrPort) {
	p.t.Helper()
	for range n {
		fd, err := p.connect(dst, netip.Addr{})
		if err != nil {
			p.t.Fatalf("connect %v: %v", dst, err)
		}
		unix.Close(fd)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		closing := 0
		for _, s := range p.snapshot().Sockets {
			switch s.State {
			case model.StateFinWait1, model.StateFinWait2, model.StateLastAck, model.StateCloseWait, model.StateClosing:
				closing++
			}
		}
		if closing == 0 {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("after 10 s, %d sockets still closing", closing)
		}
	}
}

// TestPortsReuseChurn is issue 15's loopback churn under tcp_tw_reuse 2
// (items 3 and 14): a 300-port range, 100 TIME_WAIT sockets older than the
// reuse delay, and 60 connections opened and closed between two samples,
// many of them on a TIME_WAIT socket's 4-tuple that connect() took over.
// The pool's ports in use grow, yet it cannot run out: no time to
// exhaustion, in the report, its text and its JSON. Its closes per second
// are the 60 connections, as ActiveOpens counts them, not the growth of
// TIME_WAIT that the takeovers cut short.
func TestPortsReuseChurn(t *testing.T) {
	p := newPortsNS(t, "net.ipv4.ip_local_port_range", "40000 40299", "net.ipv4.tcp_tw_reuse", "2", "net.ipv4.tcp_timestamps", "1")
	db := netip.MustParseAddrPort("127.0.0.1:5432")
	p.serve(db.String())
	p.timeWait(100, db)
	time.Sleep(1500 * time.Millisecond) // past tcp_tw_reuse_delay: connect() may take them over

	cfg := sample.Config{Collect: collect.New(collect.Config{Mode: collect.ModeNetlink, NetNS: p.ns.Path(), Settings: true}).Collect, Ports: true}
	first, err := sample.Take(t.Context(), &cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	const made = 60
	p.churn(made, db)
	time.Sleep(time.Until(first.Net().Snap.Taken.Add(800 * time.Millisecond)))
	second, err := sample.Take(t.Context(), &cfg, first)
	if err != nil {
		t.Fatal(err)
	}
	r := second.Net().Ports
	pool := reportPool(t, r, db)
	before := reportPool(t, first.Net().Ports, db)
	dt := second.Net().DT
	t.Logf("in use %d -> %d over %v; TIME_WAIT %d -> %d; %d younger than the interval; TWRecycled +%d",
		before.InUse, pool.InUse, dt, before.States.Of(model.StateTimeWait), pool.States.Of(model.StateTimeWait),
		pool.TimeWaitNew, r.Counters.TWRecycled-r.Before.TWRecycled)
	if pool.InUse <= before.InUse || r.Counters.TWRecycled == r.Before.TWRecycled {
		t.Fatalf("the churn did not grow the pool (%d -> %d) with takeovers (TWRecycled +%d): the case is not made",
			before.InUse, pool.InUse, r.Counters.TWRecycled-r.Before.TWRecycled)
	}

	// Item 3: TIME_WAIT is reusable; the pool sustains any rate.
	if !math.IsInf(pool.MaxRate, 1) || pool.Exhaustion != 0 {
		t.Errorf("sustains %v, exhausted in %v; want ∞ and none", pool.MaxRate, pool.Exhaustion)
	}
	// Item 14: the pool's closes are the connections made, and agree with
	// ActiveOpens over the same interval.
	opens := r.Counters.ActiveOpens - r.Before.ActiveOpens
	closed := pool.Rate * dt.Seconds()
	if math.Abs(closed-float64(opens)) > max(2, float64(opens)/10) || opens < made {
		t.Errorf("pool closed %.1f in %v, ActiveOpens rose %d (%d made); want them equal within a tenth", closed, dt, opens, made)
	}
	if s, ok := r.Opens(); !ok || !s.Agree {
		t.Errorf("Opens() = %+v, %v; want agreeing", s, ok)
	}

	// The text: no time in EXHAUSTED IN, and the closes said to add up to
	// ActiveOpens.
	var text bytes.Buffer
	w := bufio.NewWriter(&text)
	render.PortsText(w, r, render.PortsTextOptions{Samples: dt, Top: 20, Width: render.MaxWidth, Thresholds: analyze.DefaultThresholds()})
	w.Flush()
	row := ""
	for _, line := range strings.Split(text.String(), "\n") {
		if strings.HasPrefix(line, "127.0.0.1 → 127.0.0.1:5432") {
			row = line
		}
	}
	if f := strings.Fields(row); len(f) < 3 || f[len(f)-2] != "-" || f[len(f)-3] != "tw_reuse" {
		t.Errorf("pool row %q: want ∞ tw_reuse and no exhaustion time", row)
	}
	if prose := strings.Join(strings.Fields(text.String()), " "); !strings.Contains(prose, "the pools' CLOSES /s add up to it") {
		t.Errorf("the text does not set the closes beside ActiveOpens:\n%s", text.String())
	}
	// The JSON: exhaustion_seconds null.
	var doc bytes.Buffer
	if err := render.PortsDocument(&doc, r); err != nil {
		t.Fatal(err)
	}
	var j render.PortsJSON
	if err := json.Unmarshal(doc.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	for _, pj := range j.Pools {
		if pj.Remote.Port == 5432 && (pj.ExhaustionSeconds != nil || pj.MaxRate != nil) {
			t.Errorf("JSON pool %+v: want max_rate and exhaustion_seconds null", pj)
		}
	}
}

// TestPortsCommandInterval runs conntab ports -i 1s --json while a client
// opens and closes connections (the client first) twenty times a second
// under tcp_tw_reuse 2: the pool's closes per second are those of the
// interval, as ActiveOpens counts them, and it has no time to exhaustion.
// Before, the first of the two samples kept no pools, so the second had
// no rates from samples at all: 0 closes a second.
func TestPortsCommandInterval(t *testing.T) {
	p := newPortsNS(t, "net.ipv4.ip_local_port_range", "40000 40299", "net.ipv4.tcp_tw_reuse", "2", "net.ipv4.tcp_timestamps", "1")
	db := netip.MustParseAddrPort("127.0.0.1:5432")
	p.serve(db.String())
	stop, done := make(chan struct{}), make(chan int)
	go func() {
		made := 0
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				done <- made
				return
			case <-tick.C:
				if fd, err := p.connect(db, netip.Addr{}); err == nil {
					unix.Close(fd)
					made++
				}
			}
		}
	}()
	time.Sleep(500 * time.Millisecond)
	var out, errb bytes.Buffer
	err := run(t.Context(), []string{"ports", "-i", "1s", "--json", "-N", p.ns.Path()}, &out, &errb)
	close(stop)
	t.Logf("%d connections made", <-done)
	if err != nil {
		t.Fatalf("conntab ports -i 1s --json: %v (%s)", err, errb.String())
	}
	var j render.PortsJSON
	if err := json.Unmarshal(out.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	if j.Deltas == nil || j.Deltas.ActiveOpens == nil || j.IntervalSeconds == 0 {
		t.Fatalf("no counters over the interval: %s", out.String())
	}
	opens := float64(*j.Deltas.ActiveOpens) / j.IntervalSeconds
	for _, pj := range j.Pools {
		if pj.Remote.Port != 5432 {
			continue
		}
		t.Logf("closes %.1f/s, ActiveOpens %.1f/s over %.2fs", pj.Rate, opens, j.IntervalSeconds)
		// The closes lag the connects by a round trip: a tenth, or two
		// connections over the interval, either way.
		if !pj.RateFromSamples || math.Abs(pj.Rate-opens) > max(2/j.IntervalSeconds, opens/10) || pj.ExhaustionSeconds != nil {
			t.Errorf("pool %+v: want closes from the samples equal to ActiveOpens' %.1f/s, and no exhaustion", pj, opens)
		}
		return
	}
	t.Fatalf("no pool to %v: %s", db, out.String())
}
