package sample_test

import (
	"context"
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/internal/modeltest"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/sample"
)

// Two network namespaces, by inode number.
const ns1, ns2 = 4026531840, 4026532301

var t0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// readTime is how long every prepared reading took: a sample's At is its
// snapshot's Taken plus this.
const readTime = 40 * time.Millisecond

// snapshot is a netlink reading of namespace netns started at taken, on
// modeltest.PortsHost (ports 40000-40199).
func snapshot(netns uint32, taken time.Time, socks ...model.Socket) *model.Snapshot {
	return &model.Snapshot{Sockets: socks, Taken: taken, Duration: readTime, Source: model.SourceNetlink,
		NetNS: netns, Host: modeltest.PortsHost()}
}

// replay is a stand-in for collect.Collector.Collect: it returns snaps in
// order, one a call, and fails the test when called once too often.
func replay(t *testing.T, snaps ...*model.Snapshot) func(context.Context) (*model.Snapshot, error) {
	return func(context.Context) (*model.Snapshot, error) {
		if len(snaps) == 0 {
			t.Fatal("Collect called after the last prepared snapshot")
		}
		s := snaps[0]
		snaps = snaps[1:]
		return s, nil
	}
}

// chain takes one sample of each snapshot in turn, each after the one
// before, as a front end does.
func chain(t *testing.T, cfg sample.Config, snaps ...*model.Snapshot) []*sample.Sample {
	t.Helper()
	cfg.Collect = replay(t, snaps...)
	var out []*sample.Sample
	var prev *sample.Sample
	for range snaps {
		s, err := sample.Take(t.Context(), &cfg, prev)
		if err != nil || s == nil {
			t.Fatalf("Take: %v, %v", s, err)
		}
		out = append(out, s)
		prev = s
	}
	return out
}

// dbPool is n TCP sockets in state from 10.0.0.5 to the database at
// 10.0.0.9:5432, on the ports connect() hands out, from the from-th on.
func dbPool(n int, state model.State, from int) []model.Socket {
	return modeltest.PoolSockets(modeltest.PortsHost(), n, state, "10.0.0.5", "10.0.0.9:5432", from)
}

func TestSeqAndDT(t *testing.T) {
	type got struct {
		Seq   uint64
		NetNS uint32
		At    time.Time
		DT    time.Duration
	}
	for _, tc := range []struct {
		name  string
		snaps []*model.Snapshot
		want  []got
	}{{
		name:  "one namespace",
		snaps: []*model.Snapshot{snapshot(ns1, t0), snapshot(ns1, t0.Add(2*time.Second)), snapshot(ns1, t0.Add(2500*time.Millisecond))},
		want: []got{
			{Seq: 1, NetNS: ns1, At: t0.Add(readTime), DT: 0},
			{Seq: 2, NetNS: ns1, At: t0.Add(2*time.Second + readTime), DT: 2 * time.Second},
			{Seq: 3, NetNS: ns1, At: t0.Add(2500*time.Millisecond + readTime), DT: 500 * time.Millisecond},
		},
	}, {
		// The previous sample holds the namespace it read, no other: a
		// namespace met again after another starts afresh.
		name:  "namespaces take turns",
		snaps: []*model.Snapshot{snapshot(ns1, t0), snapshot(ns2, t0.Add(time.Second)), snapshot(ns1, t0.Add(3*time.Second))},
		want: []got{
			{Seq: 1, NetNS: ns1, At: t0.Add(readTime)},
			{Seq: 2, NetNS: ns2, At: t0.Add(time.Second + readTime)},
			{Seq: 3, NetNS: ns1, At: t0.Add(3*time.Second + readTime)},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var gots []got
			for i, s := range chain(t, sample.Config{}, tc.snaps...) {
				if len(s.Nets) != 1 || s.Net() != s.Nets[0] || s.Nets[0].Snap != tc.snaps[i] {
					t.Fatalf("sample %d: want one Net holding the snapshot read, got %+v", i+1, s.Nets)
				}
				n := s.Net()
				gots = append(gots, got{Seq: s.Seq, NetNS: n.Snap.NetNS, At: n.At, DT: n.DT})
			}
			if diff := cmp.Diff(tc.want, gots); diff != "" {
				t.Errorf("samples (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPreviousByNetNS: rates, counters' growth and the Diff carry on from
// the previous sample of the same namespace only.
func TestPreviousByNetNS(t *testing.T) {
	type pool struct {
		InUse, InUseBefore, TimeWaitBefore int
		Growth, TimeWaitRate               float64
		RateFromSamples                    bool
	}
	type got struct {
		DT               time.Duration
		Interval         time.Duration
		Before, Counters model.NetCounters
		Pools            []pool
		New, Ghosts      int
	}
	// The first sample: 10 connections open, 4 in TIME_WAIT.
	first := snapshot(ns1, t0, append(dbPool(10, model.StateEstablished, 0), dbPool(4, model.StateTimeWait, 10)...)...)
	first.Host.Counters = model.NetCounters{Read: true, TW: 100, ActiveOpens: 1000}
	// Two seconds on: 20 open, 10 in TIME_WAIT, on other ports.
	later := model.NetCounters{Read: true, TW: 104, ActiveOpens: 1030}
	second := func(netns uint32) *model.Snapshot {
		s := snapshot(netns, t0.Add(2*time.Second), append(dbPool(20, model.StateEstablished, 20), dbPool(10, model.StateTimeWait, 40)...)...)
		s.Host.Counters = later
		return s
	}
	for _, tc := range []struct {
		name  string
		netns uint32
		want  got
	}{{
		name:  "same namespace",
		netns: ns1,
		want: got{
			DT: 2 * time.Second, Interval: 2 * time.Second, Before: first.Host.Counters, Counters: later,
			// InUse 14 -> 30 over 2 s; TIME_WAIT 4 -> 10 over 2 s.
			Pools: []pool{{InUse: 30, InUseBefore: 14, TimeWaitBefore: 4, Growth: 8, TimeWaitRate: 3, RateFromSamples: true}},
			New:   30, Ghosts: 14,
		},
	}, {
		name:  "another namespace",
		netns: ns2,
		want:  got{Counters: later, Pools: []pool{{InUse: 30}}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := sample.Config{Ports: true, Linger: time.Minute}
			s := chain(t, cfg, first, second(tc.netns))[1].Net()
			g := got{DT: s.DT, Interval: s.Ports.Interval, Before: s.Ports.Before, Counters: s.Ports.Counters}
			for _, p := range s.Ports.Pools {
				g.Pools = append(g.Pools, pool{InUse: p.InUse, InUseBefore: p.InUseBefore, TimeWaitBefore: p.TimeWaitBefore,
					Growth: p.Growth, TimeWaitRate: p.TimeWaitRate, RateFromSamples: p.RateFromSamples})
			}
			for i := range int32(s.Diff.Len()) {
				if s.Diff.Ghost(i) != nil {
					g.Ghosts++
				} else if s.Diff.Mark(i).First != 0 {
					g.New++
				}
			}
			if diff := cmp.Diff(tc.want, g); diff != "" {
				t.Errorf("second sample (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAsked: each part of a Net is worked out when the Config asks for it,
// and only then, on the first sample and on the next.
func TestAsked(t *testing.T) {
	type got struct{ Dests, Ports, Listeners, Diff, Ghosts bool }
	for _, tc := range []struct {
		name string
		cfg  sample.Config
		want got
	}{
		{name: "nothing", cfg: sample.Config{}, want: got{}},
		{name: "Dests", cfg: sample.Config{Dests: true}, want: got{Dests: true}},
		{name: "Ports implies Dests", cfg: sample.Config{Ports: true}, want: got{Dests: true, Ports: true}},
		{name: "Rules", cfg: sample.Config{Rules: audit.DefaultAuditRules()}, want: got{Listeners: true}},
		{name: "Linger", cfg: sample.Config{Linger: time.Minute}, want: got{Diff: true, Ghosts: true}},
		{name: "negative Linger: a Diff without ghosts", cfg: sample.Config{Linger: -1}, want: got{Diff: true}},
		{
			name: "everything",
			cfg:  sample.Config{Dests: true, Ports: true, Rules: audit.DefaultAuditRules(), Linger: time.Second},
			want: got{Dests: true, Ports: true, Listeners: true, Diff: true, Ghosts: true},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			listener := modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:6379", "0.0.0.0:0")
			conns := dbPool(3, model.StateEstablished, 0)
			// One connection closes between the samples.
			samples := chain(t, tc.cfg, snapshot(ns1, t0, slices.Concat(conns, []model.Socket{listener})...),
				snapshot(ns1, t0.Add(time.Second), slices.Concat(conns[:2], []model.Socket{listener})...))
			for i, s := range samples {
				n := s.Net()
				g := got{Dests: n.Dests != nil, Ports: n.Ports != nil, Listeners: n.Listeners != nil, Diff: n.Diff != nil}
				want := tc.want
				if i == 0 || !want.Diff {
					want.Ghosts = false // nothing has closed yet
				}
				if n.Diff != nil {
					g.Ghosts = n.Diff.Len() > len(n.Snap.Sockets)
				}
				if diff := cmp.Diff(want, g); diff != "" {
					t.Errorf("sample %d (-want +got):\n%s", i+1, diff)
				}
			}
		})
	}
}

// TestListenersOfTheSnapshot: the audit names ports by the sample's own
// host and finds processes in its own snapshot, without changing the
// Config's Names.
func TestListenersOfTheSnapshot(t *testing.T) {
	ln := modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:40100", "0.0.0.0:0")
	ln.Inode = 7001
	snap := snapshot(ns1, t0, ln)
	nginx := model.Owner{Inode: 7001, PID: 812, FD: 6, Comm: "nginx"}
	snap.Owners = model.NewOwners([]model.Owner{nginx}, 0)
	cfg := sample.Config{Rules: audit.DefaultAuditRules()}
	l := chain(t, cfg, snap)[0].Net().Listeners
	if len(l.Listeners) != 1 {
		t.Fatalf("want one listener, got %+v", l.Listeners)
	}
	type got struct {
		Class  model.PortClass
		Owners []model.Owner
		Kinds  []analyze.FindingKind
	}
	g := got{Class: l.Listeners[0].Label.Class, Owners: l.Listeners[0].Owners}
	for _, f := range l.Listeners[0].Findings {
		g.Kinds = append(g.Kinds, f.Kind)
	}
	// Port 40100 is in the host's ephemeral range: the audit knows it
	// from the snapshot's HostFacts, not from cfg.Names, which has none.
	want := got{Class: model.ClassEphemeral, Owners: []model.Owner{nginx}, Kinds: []analyze.FindingKind{analyze.FindHeldPort}}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("listener (-want +got):\n%s", diff)
	}
	if cfg.Names.Host != nil || cfg.Names.Snapshot != nil {
		t.Errorf("Take changed the Config's Names: %+v", cfg.Names)
	}
}

// TestThresholds: the zero Thresholds are analyze.DefaultThresholds; set
// ones are used as given.
func TestThresholds(t *testing.T) {
	// 170 of 200 ports taken: 85%.
	snap := snapshot(ns1, t0, dbPool(170, model.StateEstablished, 0)...)
	for _, tc := range []struct {
		name string
		th   analyze.Thresholds
		want analyze.Severity
	}{
		{name: "defaults", th: analyze.Thresholds{}, want: analyze.SeverityWarn},
		{name: "set", th: analyze.Thresholds{PortsCritical: 80}, want: analyze.SeverityCritical},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := chain(t, sample.Config{Dests: true, Thresholds: tc.th}, snap)[0].Net().Dests
			if got := ix.Severity(); got != tc.want {
				t.Errorf("pool 85%% taken: severity %v, want %v (flags %+v)", got, tc.want, ix.Flags)
			}
		})
	}
}

// TestTakeOnlyReadsPrev: taking a sample leaves the previous one as it
// was, down to unexported fields, so a front end can keep showing it. A
// twin, taken from the same readings but never followed, is the copy it
// is compared with.
func TestTakeOnlyReadsPrev(t *testing.T) {
	cfg := sample.Config{Ports: true, Rules: audit.DefaultAuditRules(), Linger: 10 * time.Second}
	readings := func() []*model.Snapshot {
		ln := modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:6379", "0.0.0.0:0")
		ln.Inode = 9
		cw := modeltest.Sock(model.ProtoTCP, model.StateCloseWait, "10.0.0.5:8080", "10.0.0.7:51000")
		cw2 := modeltest.Sock(model.ProtoTCP, model.StateCloseWait, "10.0.0.5:8080", "10.0.0.7:51002")
		at := func(sec int, socks ...[]model.Socket) *model.Snapshot {
			return snapshot(ns1, t0.Add(time.Duration(sec)*time.Second), slices.Concat(socks...)...)
		}
		snaps := []*model.Snapshot{
			at(0, dbPool(60, model.StateEstablished, 0), []model.Socket{ln, cw}),
			// 10 close, 10 go to TIME_WAIT, 20 more are there, CLOSE_WAIT grows.
			at(1, dbPool(40, model.StateEstablished, 10), dbPool(30, model.StateTimeWait, 50), []model.Socket{ln, cw, cw2}),
			// More churn; the listener closes.
			at(3, dbPool(20, model.StateEstablished, 10), dbPool(90, model.StateTimeWait, 30), []model.Socket{cw}),
			// Past Linger for the ghosts of the second sample, not the third's.
			at(12, dbPool(10, model.StateEstablished, 10), dbPool(90, model.StateTimeWait, 30), []model.Socket{cw}),
		}
		// Cookies, so that sockets closed together become ghosts in
		// the same order in both twins (a /proc socket's ID is seeded).
		for _, snap := range snaps {
			for i := range snap.Sockets {
				s := &snap.Sockets[i]
				s.Cookie = uint64(s.Local.Port())<<16 | uint64(s.Remote.Port())
			}
		}
		snaps[0].Owners = model.NewOwners([]model.Owner{{Inode: 9, PID: 30, FD: 3, Comm: "redis-server"}}, 1)
		snaps[1].Host.Counters.TW = 500
		return snaps
	}
	opts := cmp.Options{
		cmp.Exporter(func(reflect.Type) bool { return true }),
		cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
		cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b }),
		// A Diff's seed is new in each twin: compare what it shows.
		cmp.Transformer("rows", diffRows),
	}
	for k := 1; k < len(readings()); k++ {
		followed := chain(t, cfg, readings()[:k+1]...)[k-1]
		twin := chain(t, cfg, readings()[:k]...)[k-1]
		if diff := cmp.Diff(twin, followed, opts); diff != "" {
			t.Errorf("sample %d changed when the next was taken (-before +after):\n%s", k, diff)
		}
	}
}

func TestPartialReading(t *testing.T) {
	errRead := errors.New("collect: netlink: operation not permitted")
	prev := chain(t, sample.Config{}, snapshot(ns1, t0))[0]
	for _, tc := range []struct {
		name string
		snap *model.Snapshot
		err  error
	}{
		{name: "whole", snap: snapshot(ns1, t0.Add(time.Second))},
		{name: "partial: snapshot and error", snap: snapshot(ns1, t0.Add(time.Second)), err: errRead},
		{name: "nothing read", err: errRead},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := sample.Config{Dests: true, Collect: func(context.Context) (*model.Snapshot, error) { return tc.snap, tc.err }}
			s, err := sample.Take(t.Context(), &cfg, prev)
			if err != tc.err {
				t.Errorf("Take returned error %v, want %v", err, tc.err)
			}
			if tc.snap == nil {
				// Net of no sample is none, for front ends that ask anyway.
				if s != nil || s.Net() != nil {
					t.Errorf("nothing read: want no sample, got %+v", s)
				}
				return
			}
			if s == nil {
				t.Fatal("Take returned no sample for a snapshot")
			}
			type got struct {
				Seq      uint64
				Err      error
				Snap     *model.Snapshot
				DT       time.Duration
				HasDests bool
			}
			g := got{Seq: s.Seq, Err: s.Err, Snap: s.Net().Snap, DT: s.Net().DT, HasDests: s.Net().Dests != nil}
			want := got{Seq: 2, Err: tc.err, Snap: tc.snap, DT: time.Second, HasDests: true}
			if diff := cmp.Diff(want, g, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("sample (-want +got):\n%s", diff)
			}
		})
	}
}
