package analyze

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/conntab/conntab/internal/modeltest"
	"github.com/conntab/conntab/model"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// netipCmp compares addresses by ==, as the analysis does.
var netipCmp = cmpopts.EquateComparable(netip.Addr{}, netip.AddrPort{})

// counts builds StateCounts from state, count pairs.
func counts(pairs ...any) model.StateCounts {
	var c model.StateCounts
	for i := 0; i < len(pairs); i += 2 {
		c[model.StateSlot(pairs[i].(model.State))] += int32(pairs[i+1].(int))
	}
	return c
}

// run returns n TCP sockets in state from local's address to remote, on
// ports as connect() hands them out in range1000: every other port from
// firstPort up, then, past the range's end, the ports of the other parity
// from its start.
func run(n int, state model.State, local string, firstPort uint16, remote string) []model.Socket {
	out := make([]model.Socket, n)
	for i := range out {
		p := int(firstPort) + 2*i
		if p > 40999 && firstPort >= 40000 && firstPort <= 40999 {
			p = p - 1000 + 1
		}
		out[i] = modeltest.Sock(model.ProtoTCP, state, netip.AddrPortFrom(netip.MustParseAddr(local), uint16(p)).String(), remote)
	}
	return out
}

// runAt returns n TCP sockets in state from local's address to remote, on
// the ports connect() hands out in range1000 from the from-th on.
func runAt(n int, state model.State, local string, from int, remote string) []model.Socket {
	out := make([]model.Socket, n)
	for i := range out {
		ap := netip.AddrPortFrom(netip.MustParseAddr(local), modeltest.ConnectPort(range1000.Ephemeral, from+i))
		out[i] = modeltest.Sock(model.ProtoTCP, state, ap.String(), remote)
	}
	return out
}

// range1000 is a host whose ephemeral range holds exactly 1000 ports.
var range1000 = model.HostFacts{Ephemeral: model.PortRange{Lo: 40000, Hi: 40999}}

func TestDestinationsRows(t *testing.T) {
	snap := &model.Snapshot{Host: range1000, Sockets: []model.Socket{
		modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.2:40002", "10.0.0.9:5432"),
		modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.2:40004", "10.0.0.9:5432"),
		modeltest.Sock(model.ProtoTCP, model.StateTimeWait, "10.0.0.2:40006", "10.0.0.9:5432"),
		modeltest.MappedSock(model.StateEstablished, "10.0.0.2:40008", "10.0.0.9:5432"),           // same row, same pool
		modeltest.Sock(model.ProtoTCP, model.StateCloseWait, "10.0.0.3:40010", "10.0.0.9:5432"),   // same row, another pool
		modeltest.Sock(model.ProtoUDP, model.StateEstablished, "10.0.0.2:40012", "10.0.0.9:5432"), // another protocol: its own row, no pool
		modeltest.Sock(model.ProtoTCP, model.StateEstablished, "[2001:db8::2]:40014", "[2001:db8::9]:5432"),
		modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:5432", "0.0.0.0:0"),
		modeltest.Sock(model.ProtoUDP, model.StateUnconn, "0.0.0.0:53", "0.0.0.0:0"),
		modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.2:5432", "10.0.0.7:50000"), // inbound: local port outside the range
		modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.2:39999", "10.0.0.9:5432"), // bound below the range by hand
	}}
	ix := Destinations(snap, nil, 0, DefaultThresholds())

	ep := netip.MustParseAddrPort
	wantDests := []Destination{
		{Proto: model.ProtoTCP, Remote: ep("10.0.0.9:5432"), Total: 6,
			States: counts(model.StateEstablished, 4, model.StateTimeWait, 1, model.StateCloseWait, 1),
			Pool:   0, PoolInUse: 4, PoolUsable: 1000, PoolTimeWait: 1, CloseWaitFrom: 1},
		{Proto: model.ProtoUDP, Remote: ep("10.0.0.9:5432"), Total: 1, States: counts(model.StateEstablished, 1), Pool: -1},
		{Proto: model.ProtoTCP, Remote: ep("[2001:db8::9]:5432"), Total: 1, States: counts(model.StateEstablished, 1),
			Pool: 2, PoolInUse: 1, PoolUsable: 1000},
		{Proto: model.ProtoTCP, Remote: ep("10.0.0.7:50000"), Total: 1, States: counts(model.StateEstablished, 1), Pool: -1},
	}
	if diff := cmp.Diff(wantDests, ix.Dests, netipCmp, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Dests (-want +got):\n%s", diff)
	}
	wantPools := []PortPool{
		{Local: netip.MustParseAddr("10.0.0.2"), Remote: ep("10.0.0.9:5432"), InUse: 4, Usable: 1000, Dest: 0,
			States: counts(model.StateEstablished, 3, model.StateTimeWait, 1)},
		{Local: netip.MustParseAddr("10.0.0.3"), Remote: ep("10.0.0.9:5432"), InUse: 1, Usable: 1000, Dest: 0,
			States: counts(model.StateCloseWait, 1)},
		{Local: netip.MustParseAddr("2001:db8::2"), Remote: ep("[2001:db8::9]:5432"), InUse: 1, Usable: 1000, Dest: 2,
			States: counts(model.StateEstablished, 1)},
	}
	if diff := cmp.Diff(wantPools, ix.Pools, netipCmp); diff != "" {
		t.Errorf("Pools (-want +got):\n%s", diff)
	}
	if ix.Usable != 1000 || ix.Busiest != 0 || len(ix.Flags) != 0 {
		t.Errorf("Usable, Busiest, Flags = %d, %d, %v; want 1000, 0, none", ix.Usable, ix.Busiest, ix.Flags)
	}
	if got := ix.Dests[0].TimeWaitShare(); got != 1.0/6 {
		t.Errorf("TimeWaitShare = %v, want 1/6", got)
	}
	if got := ix.Dests[0].PoolUtilisation(); got != 4.0/1000 {
		t.Errorf("PoolUtilisation = %v, want 0.004", got)
	}

	// Lookups by key find the same rows.
	if d := ix.Lookup(model.ProtoUDP, ep("10.0.0.9:5432")); d != &ix.Dests[1] {
		t.Errorf("Lookup(udp 10.0.0.9:5432) = %p, want row 1 %p", d, &ix.Dests[1])
	}
	if d := ix.Lookup(model.ProtoTCP, ep("10.0.0.9:5433")); d != nil {
		t.Errorf("Lookup of an absent endpoint = %+v, want nil", d)
	}
	if p := ix.Pool(netip.MustParseAddr("10.0.0.3"), ep("10.0.0.9:5432")); p != &ix.Pools[1] {
		t.Errorf("Pool(10.0.0.3 -> 10.0.0.9:5432) = %p, want pool 1 %p", p, &ix.Pools[1])
	}
	if p := ix.Pool(netip.MustParseAddr("10.0.0.4"), ep("10.0.0.9:5432")); p != nil {
		t.Errorf("Pool of an absent pool = %+v, want nil", p)
	}
	if p := ix.BusiestPool(); p != &ix.Pools[0] {
		t.Errorf("BusiestPool = %p, want pool 0", p)
	}
	var none *DestIndex
	if none.Lookup(model.ProtoTCP, ep("10.0.0.9:5432")) != nil || none.Pool(netip.Addr{}, ep("10.0.0.9:5432")) != nil ||
		none.BusiestPool() != nil || none.Severity() != SeverityNone {
		t.Error("a nil *DestIndex should find nothing")
	}
}

// TestDestinationsUsable checks U: the range, less reserved ports in it,
// less ports in it that a TCP listener or bound socket holds, on any
// address; and that sockets on those ports are no pool's.
func TestDestinationsUsable(t *testing.T) {
	dst := "10.0.0.9:5432"
	tests := []struct {
		name       string
		host       model.HostFacts
		sockets    []model.Socket
		wantUsable int
		wantInUse  int // the one pool's, 0 for none
	}{
		{"whole range", range1000, run(3, model.StateEstablished, "10.0.0.2", 40000, dst), 1000, 3},
		{"reserved inside, across the low edge, and outside",
			model.HostFacts{Ephemeral: range1000.Ephemeral, Reserved: []model.PortRange{{Lo: 40010, Hi: 40019}, {Lo: 39990, Hi: 40004}, {Lo: 50000, Hi: 50010}}},
			append(run(3, model.StateEstablished, "10.0.0.2", 40002, dst), // 40002, 40004 reserved
				run(2, model.StateEstablished, "10.0.0.2", 40020, dst)...), 1000 - 10 - 5, 3},
		{"reserved across the high edge", model.HostFacts{Ephemeral: range1000.Ephemeral, Reserved: []model.PortRange{{Lo: 40990, Hi: 41010}}},
			nil, 990, 0},
		{"listeners inside, on any address, and outside", range1000, append([]model.Socket{
			modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:40050", "0.0.0.0:0"),
			modeltest.Sock(model.ProtoTCP, model.StateListen, "127.0.0.1:40051", "0.0.0.0:0"),
			modeltest.Sock(model.ProtoTCP, model.StateListen, "[::]:40051", "[::]:0"), // the same port twice
			modeltest.Sock(model.ProtoTCP, model.StateBoundInactive, "[::]:40060", "[::]:0"),
			modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:80", "0.0.0.0:0"),
			modeltest.Sock(model.ProtoUDP, model.StateUnconn, "0.0.0.0:40070", "0.0.0.0:0"), // UDP binds take no TCP port
			// A connection accepted on the listener's port: not a pool's.
			modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.2:40050", dst),
		}, run(2, model.StateEstablished, "10.0.0.2", 40070, dst)...), 1000 - 3, 2},
		{"listener on a reserved port counts once",
			model.HostFacts{Ephemeral: range1000.Ephemeral, Reserved: []model.PortRange{{Lo: 40010, Hi: 40019}}},
			[]model.Socket{modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:40012", "0.0.0.0:0")}, 990, 0},
		{"one-port range", model.HostFacts{Ephemeral: model.PortRange{Lo: 40000, Hi: 40000}}, run(1, model.StateTimeWait, "10.0.0.2", 40000, dst), 1, 1},
		{"full range", model.HostFacts{Ephemeral: model.PortRange{Lo: 1, Hi: 65535}}, run(1, model.StateTimeWait, "10.0.0.2", 65535, dst), 65535, 1},
		{"unknown range: no pools", model.HostFacts{}, run(3, model.StateEstablished, "10.0.0.2", 40000, dst), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := Destinations(&model.Snapshot{Host: tt.host, Sockets: tt.sockets}, nil, 0, DefaultThresholds())
			inUse := 0
			for _, p := range ix.Pools {
				inUse += p.InUse
				if p.Usable != tt.wantUsable {
					t.Errorf("pool %v -> %v: Usable %d, want %d", p.Local, p.Remote, p.Usable, tt.wantUsable)
				}
			}
			if ix.Usable != tt.wantUsable || inUse != tt.wantInUse {
				t.Errorf("Usable, ports in pools = %d, %d; want %d, %d", ix.Usable, inUse, tt.wantUsable, tt.wantInUse)
			}
		})
	}
}

func TestTimeWaitFlags(t *testing.T) {
	src, dst := netip.MustParseAddr("10.0.0.2"), netip.MustParseAddrPort("10.0.0.9:5432")
	flag := func(k FlagKind, sev Severity, count int) Flag {
		return Flag{Kind: k, Severity: sev, Proto: model.ProtoTCP, Remote: dst, Local: src, Count: count, Usable: 1000}
	}
	noNotice := DefaultThresholds()
	noNotice.TimeWaitNotice = 0
	tests := []struct {
		name     string
		tw, est  int
		th       Thresholds
		want     []Flag
		severity Severity
	}{
		{"49.9%", 499, 0, DefaultThresholds(), nil, SeverityNone},
		{"50%", 500, 0, DefaultThresholds(), []Flag{flag(FlagTimeWait, SeverityNotice, 500)}, SeverityNotice},
		{"79.9%", 799, 0, DefaultThresholds(), []Flag{flag(FlagTimeWait, SeverityNotice, 799)}, SeverityNotice},
		{"80%", 800, 0, DefaultThresholds(), []Flag{flag(FlagTimeWait, SeverityWarn, 800)}, SeverityWarn},
		{"80% with 94.9% taken", 800, 149, DefaultThresholds(), []Flag{flag(FlagTimeWait, SeverityWarn, 800)}, SeverityWarn},
		{"80% with 95% taken", 800, 150, DefaultThresholds(),
			[]Flag{flag(FlagTimeWait, SeverityWarn, 800), flag(FlagPorts, SeverityCritical, 950)}, SeverityCritical},
		{"95% taken, no TIME_WAIT", 0, 950, DefaultThresholds(), []Flag{flag(FlagPorts, SeverityCritical, 950)}, SeverityCritical},
		{"all taken", 0, 1000, DefaultThresholds(), []Flag{flag(FlagPorts, SeverityCritical, 1000)}, SeverityCritical},
		// The pool is still half taken: FlagPorts says so when TW may not.
		{"notice turned off", 500, 0, noNotice, []Flag{flag(FlagPorts, SeverityNotice, 500)}, SeverityNotice},
		{"60% TIME_WAIT and 85% taken", 600, 250, DefaultThresholds(),
			[]Flag{flag(FlagTimeWait, SeverityNotice, 600), flag(FlagPorts, SeverityWarn, 850)}, SeverityWarn},
		{"85% established", 0, 850, DefaultThresholds(), []Flag{flag(FlagPorts, SeverityWarn, 850)}, SeverityWarn},
		{"all rules off", 1000, 0, Thresholds{}, nil, SeverityNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := &model.Snapshot{Host: range1000}
			snap.Sockets = append(run(tt.tw, model.StateTimeWait, "10.0.0.2", 40000, dst.String()),
				runAt(tt.est, model.StateEstablished, "10.0.0.2", tt.tw, dst.String())...)
			ix := Destinations(snap, nil, 0, tt.th)
			if diff := cmp.Diff(tt.want, ix.Flags, netipCmp, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Flags (-want +got):\n%s", diff)
			}
			d := ix.Lookup(model.ProtoTCP, dst)
			if diff := cmp.Diff(tt.want, d.Flags, netipCmp, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("the endpoint's Flags (-want +got):\n%s", diff)
			}
			if d.Severity() != tt.severity || ix.Severity() != tt.severity {
				t.Errorf("Severity = %v (endpoint), %v (index); want %v", d.Severity(), ix.Severity(), tt.severity)
			}
		})
	}
}

// TestTimeWaitRising checks the rule: TIME_WAIT growth since the previous
// sample, as a rate r over dt, raises a notice when r × 60 s reaches 50%
// of U (here 500 of 1000 ports).
func TestTimeWaitRising(t *testing.T) {
	src, dst := netip.MustParseAddr("10.0.0.2"), netip.MustParseAddrPort("10.0.0.9:5432")
	sample := func(tw int) *model.Snapshot {
		return &model.Snapshot{Host: range1000, Sockets: run(tw, model.StateTimeWait, "10.0.0.2", 40000, dst.String())}
	}
	rising := func(from, count int, rate float64) []Flag {
		return []Flag{{Kind: FlagTimeWaitRising, Severity: SeverityNotice, Proto: model.ProtoTCP, Remote: dst, Local: src,
			Count: count, Usable: 1000, From: from, Rate: rate}}
	}
	off := DefaultThresholds()
	off.TimeWaitRising = 0
	tests := []struct {
		name       string
		before     int // TIME_WAIT in the previous sample; -1: no previous sample
		now        int
		dt         time.Duration
		th         Thresholds
		wantBefore int
		wantRate   float64
		want       []Flag
	}{
		{"first sample", -1, 300, time.Second, DefaultThresholds(), 0, 0, nil},
		{"49 in 6 s: 490 in 60 s", 100, 149, 6 * time.Second, DefaultThresholds(), 100, 49.0 / 6, nil},
		{"50 in 6 s: 500 in 60 s", 100, 150, 6 * time.Second, DefaultThresholds(), 100, 50.0 / 6, rising(100, 150, 50.0/6)},
		{"8 in 1 s: 480 in 60 s", 0, 8, time.Second, DefaultThresholds(), 0, 8, nil},
		{"9 in 1 s: 540 in 60 s", 0, 9, time.Second, DefaultThresholds(), 0, 9, rising(0, 9, 9)},
		{"a pool new since the previous sample", 0, 9, time.Second, DefaultThresholds(), 0, 9, rising(0, 9, 9)},
		{"too close to the previous sample", 0, 100, 400 * time.Millisecond, DefaultThresholds(), 0, 0, nil},
		{"no time passed", 0, 100, 0, DefaultThresholds(), 0, 0, nil},
		{"falling", 200, 100, time.Second, DefaultThresholds(), 200, 0, nil},
		{"rule off", 0, 100, time.Second, off, 0, 100, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var prev *DestIndex
			switch {
			case tt.before >= 0 && tt.name == "a pool new since the previous sample":
				// The previous sample knew the endpoint, from another address.
				prev = Destinations(&model.Snapshot{Host: range1000, Sockets: run(1, model.StateEstablished, "10.0.0.3", 40000, dst.String())},
					nil, 0, tt.th)
			case tt.before >= 0:
				prev = Destinations(sample(tt.before), nil, 0, tt.th)
			}
			ix := Destinations(sample(tt.now), prev, tt.dt, tt.th)
			p := ix.Pool(src, dst)
			if p.TimeWaitBefore != tt.wantBefore || p.TimeWaitRate != tt.wantRate {
				t.Errorf("TimeWaitBefore, TimeWaitRate = %d, %v; want %d, %v", p.TimeWaitBefore, p.TimeWaitRate, tt.wantBefore, tt.wantRate)
			}
			if diff := cmp.Diff(tt.want, ix.Flags, netipCmp, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Flags (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCloseWaitTrend follows one endpoint's CLOSE_WAIT count over samples.
func TestCloseWaitTrend(t *testing.T) {
	dst := netip.MustParseAddrPort("10.0.0.9:5432")
	th := DefaultThresholds()
	th.CloseWaitSamples = 3
	type want struct {
		samples, from int
		flags         []Flag
	}
	cwFlag := func(n int) Flag {
		return Flag{Kind: FlagCloseWait, Severity: SeverityWarn, Proto: model.ProtoTCP, Remote: dst, Count: n}
	}
	rose := func(from, n, samples int) Flag {
		return Flag{Kind: FlagCloseWaitRising, Severity: SeverityNotice, Proto: model.ProtoTCP, Remote: dst,
			Count: n, From: from, Samples: samples}
	}
	steps := []struct {
		cw   int // -1: no socket to the endpoint at all
		want want
	}{
		{1, want{0, 1, nil}}, // first sample: nothing to compare
		{1, want{1, 1, nil}},
		{2, want{2, 1, nil}},
		{2, want{3, 1, []Flag{rose(1, 2, 3)}}},
		{2, want{4, 1, []Flag{rose(1, 2, 4)}}},
		{1, want{0, 1, nil}}, // a fall starts again
		{0, want{0, 0, nil}},
		{3, want{1, 0, nil}},
		{-1, want{0, 0, nil}}, // gone
		{12, want{1, 0, []Flag{cwFlag(12)}}},
		{12, want{2, 0, []Flag{cwFlag(12)}}},
		{13, want{3, 0, []Flag{cwFlag(13), rose(0, 13, 3)}}},
		{9, want{0, 9, nil}},
		{10, want{1, 9, []Flag{cwFlag(10)}}},
	}
	var prev *DestIndex
	for i, step := range steps {
		snap := &model.Snapshot{Host: range1000}
		if step.cw >= 0 {
			// An established socket keeps the endpoint when CLOSE_WAIT is 0.
			snap.Sockets = append(run(1, model.StateEstablished, "10.0.0.2", 40000, dst.String()),
				run(step.cw, model.StateCloseWait, "10.0.0.2", 40002, dst.String())...)
		}
		ix := Destinations(snap, prev, time.Second, th)
		var got want
		if d := ix.Lookup(model.ProtoTCP, dst); d != nil {
			got = want{d.CloseWaitSamples, d.CloseWaitFrom, d.Flags}
		}
		if diff := cmp.Diff(step.want, got, cmp.AllowUnexported(want{}), netipCmp, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("sample %d, %d in CLOSE_WAIT (-want +got):\n%s", i, step.cw, diff)
		}
		prev = ix
	}
}

// TestWorstPool checks that an endpoint reached from two local addresses
// shows the busier pool's figures and, per flag kind, the worse pool's flag.
func TestWorstPool(t *testing.T) {
	dst := "10.0.0.9:5432"
	host := model.HostFacts{Ephemeral: model.PortRange{Lo: 40000, Hi: 40099}} // U = 100
	snap := &model.Snapshot{Host: host}
	add := func(local string, state model.State, from, n int) {
		for i := from; i < from+n; i++ {
			ap := netip.AddrPortFrom(netip.MustParseAddr(local), modeltest.ConnectPort(host.Ephemeral, i))
			snap.Sockets = append(snap.Sockets, modeltest.Sock(model.ProtoTCP, state, ap.String(), dst))
		}
	}
	add("10.0.0.2", model.StateTimeWait, 0, 85)     // A: TW 85%
	add("10.0.0.3", model.StateTimeWait, 0, 60)     // B: TW 60%,
	add("10.0.0.3", model.StateEstablished, 60, 30) // 90 taken
	ix := Destinations(snap, nil, 0, DefaultThresholds())
	d := ix.Lookup(model.ProtoTCP, netip.MustParseAddrPort(dst))
	if d.Pool != 1 || d.PoolInUse != 90 || d.PoolTimeWait != 60 || ix.Busiest != 1 {
		t.Errorf("Pool, PoolInUse, PoolTimeWait, Busiest = %d, %d, %d, %d; want 1, 90, 60, 1",
			d.Pool, d.PoolInUse, d.PoolTimeWait, ix.Busiest)
	}
	// TW from A (85% beats 60%); PORTS from B (90% warn; A's 85% warn is
	// left out, its TW flag says as much).
	want := []Flag{{Kind: FlagTimeWait, Severity: SeverityWarn, Proto: model.ProtoTCP, Remote: netip.MustParseAddrPort(dst),
		Local: netip.MustParseAddr("10.0.0.2"), Count: 85, Usable: 100},
		{Kind: FlagPorts, Severity: SeverityWarn, Proto: model.ProtoTCP, Remote: netip.MustParseAddrPort(dst),
			Local: netip.MustParseAddr("10.0.0.3"), Count: 90, Usable: 100}}
	if diff := cmp.Diff(want, d.Flags, netipCmp); diff != "" {
		t.Errorf("Flags (-want +got):\n%s", diff)
	}
}

func TestFlagText(t *testing.T) {
	dst, src := netip.MustParseAddrPort("10.0.0.9:5432"), netip.MustParseAddr("10.0.0.2")
	tests := []struct {
		flag          Flag
		label, reason string
	}{
		{Flag{Kind: FlagTimeWait, Severity: SeverityWarn, Proto: model.ProtoTCP, Remote: dst, Local: src, Count: 23150, Usable: 28232},
			"▲ TW 81%", "TIME_WAIT holds 81% of 28232 usable ports to 10.0.0.9:5432 (23150 sockets from 10.0.0.2)"},
		{Flag{Kind: FlagTimeWait, Severity: SeverityNotice, Proto: model.ProtoTCP, Remote: dst, Local: src, Count: 799, Usable: 1000},
			"• TW 79%", "TIME_WAIT holds 79% of 1000 usable ports to 10.0.0.9:5432 (799 sockets from 10.0.0.2)"},
		{Flag{Kind: FlagTimeWaitRising, Severity: SeverityNotice, Proto: model.ProtoTCP, Remote: dst, Local: src,
			Count: 1300, From: 880, Rate: 420, Usable: 28232},
			"• TW↑ 420/s", "TIME_WAIT to 10.0.0.9:5432 from 10.0.0.2 rose from 880 to 1300 (420/s); at that rate for 60 s it would hold 89% of 28232 usable ports"},
		{Flag{Kind: FlagTimeWaitRising, Severity: SeverityNotice, Remote: dst, Rate: 8.3333, Usable: 1000},
			"• TW↑ 8.3/s", "TIME_WAIT to 10.0.0.9:5432 rose from 0 to 0 (8.3/s); at that rate for 60 s it would hold 49% of 1000 usable ports"},
		{Flag{Kind: FlagPorts, Severity: SeverityCritical, Proto: model.ProtoTCP, Remote: dst, Local: src, Count: 27102, Usable: 28232},
			"✖ PORTS 95%", "95% of 28232 usable ports to 10.0.0.9:5432 are taken (27102 sockets from 10.0.0.2); connect() fails with EADDRNOTAVAIL when none is left"},
		{Flag{Kind: FlagCloseWait, Severity: SeverityWarn, Proto: model.ProtoTCP, Remote: dst, Count: 14},
			"▲ CW 14", "14 sockets to 10.0.0.9:5432 in CLOSE_WAIT: the peer closed, the local application has not"},
		{Flag{Kind: FlagCloseWaitRising, Severity: SeverityNotice, Proto: model.ProtoTCP, Remote: netip.MustParseAddrPort("[2001:db8::9]:443"),
			Count: 3, From: 0, Samples: 5},
			"• CW↑ 0→3", "CLOSE_WAIT to [2001:db8::9]:443 rose from 0 to 3 and has not fallen for 5 samples"},
		{Flag{Kind: FlagCloseWait, Proto: model.ProtoUDP, Remote: dst, Count: 1},
			"CW 1", "1 socket to 10.0.0.9:5432/udp in CLOSE_WAIT: the peer closed, the local application has not"},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			if diff := cmp.Diff(tt.label, tt.flag.Label()); diff != "" {
				t.Errorf("Label (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.reason, tt.flag.Reason()); diff != "" {
				t.Errorf("Reason (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSeverityAndKindNames(t *testing.T) {
	sev := []struct {
		s            Severity
		name, symbol string
	}{
		{SeverityNone, "none", ""}, {SeverityNotice, "notice", "•"}, {SeverityWarn, "warn", "▲"},
		{SeverityCritical, "crit", "✖"}, {9, "severity(9)", "?"},
	}
	for _, tt := range sev {
		if tt.s.String() != tt.name || tt.s.Symbol() != tt.symbol {
			t.Errorf("Severity %d: String, Symbol = %q, %q; want %q, %q", tt.s, tt.s.String(), tt.s.Symbol(), tt.name, tt.symbol)
		}
	}
	if !(SeverityNone < SeverityNotice && SeverityNotice < SeverityWarn && SeverityWarn < SeverityCritical) {
		t.Error("severities do not compare in order")
	}
	kinds := []struct {
		k           FlagKind
		name, short string
	}{
		{FlagTimeWait, "time-wait", "TW"}, {FlagTimeWaitRising, "time-wait-rising", "TW↑"}, {FlagPorts, "ports", "PORTS"},
		{FlagCloseWait, "close-wait", "CW"}, {FlagCloseWaitRising, "close-wait-rising", "CW↑"},
		{0, "flag(0)", "flag(0)"}, {99, "flag(99)", "flag(99)"},
	}
	for _, tt := range kinds {
		if tt.k.String() != tt.name || tt.k.Short() != tt.short {
			t.Errorf("FlagKind %d: String, Short = %q, %q; want %q, %q", tt.k, tt.k.String(), tt.k.Short(), tt.name, tt.short)
		}
	}
}

func TestStateCounts(t *testing.T) {
	var c model.StateCounts
	for _, s := range model.AllStates {
		c.Add(s)
	}
	c.Add(model.StateTimeWait)
	c.Add(model.State(200)) // unknown states share a slot
	c.Add(model.State(0))
	for _, s := range model.AllStates {
		want := 1
		if s == model.StateTimeWait {
			want = 2
		}
		if c.Of(s) != want {
			t.Errorf("Of(%v) = %d, want %d", s, c.Of(s), want)
		}
	}
	if c.Of(model.State(99)) != 2 {
		t.Errorf("Of(unknown) = %d, want 2", c.Of(model.State(99)))
	}
}

// benchSnapshot is shaped like the benchmark namespace (docs/benchmarks.md):
// five holders, each with 9,000 loopback connections (both ends, so 90,000
// ESTABLISHED), 8,000 TIME_WAIT sockets to its own listener (40,000 to five
// destinations) and 400 UDP sockets (half connected to one of ten
// resolvers), over the range 1024-65535. The sockets come in a shuffled
// order, as the kernel's hash tables give them; inodes grow per holder, as
// each creates its sockets, and every TIME_WAIT socket has a former owner.
func benchSnapshot() *model.Snapshot {
	const holders, conns, timewait, udp = 5, 9000, 8000, 400
	snap := &model.Snapshot{
		Taken: time.Unix(1_800_000_000, 0),
		Host:  model.HostFacts{Ephemeral: model.PortRange{Lo: 1024, Hi: 65535}},
	}
	var owners []model.Owner
	formers := map[model.TupleKey][]model.Owner{}
	inode := uint64(40_000)
	add := func(s model.Socket, pid int32, comm string) {
		if s.State == model.StateTimeWait {
			formers[s.Key()] = []model.Owner{{PID: pid, FD: -1, Comm: comm, Former: true}}
		} else {
			inode += 1 + uint64(inode%3) // other files take inodes in between
			s.Inode = inode
			owners = append(owners, model.Owner{Inode: inode, PID: pid, FD: int32(len(owners) % 20000), Comm: comm})
		}
		snap.Sockets = append(snap.Sockets, s)
	}
	v4 := func(a, b, c, d byte, port uint16) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{a, b, c, d}), port)
	}
	for h := range holders {
		pid, comm := int32(1000+h), "holder"
		server := v4(127, byte(h+1), 0, 1, 443)
		tws := v4(127, byte(h+1), 0, 1, 444)
		add(model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateListen, Local: server, Remote: v4(0, 0, 0, 0, 0)}, pid, comm)
		add(model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateListen, Local: tws, Remote: v4(0, 0, 0, 0, 0)}, pid, comm)
		for i := range conns {
			client := v4(127, byte(h+1), 0, 2, uint16(1024+2*i)) // connect() takes even ports first
			add(model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateEstablished, Local: client, Remote: server}, pid, comm)
			add(model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateEstablished, Local: server, Remote: client}, pid, comm)
		}
		for i := range timewait {
			client := v4(127, byte(h+1), 0, 3, uint16(20000+2*i))
			add(model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateTimeWait, Local: client, Remote: tws,
				Timer: model.Timer{Kind: model.TimerTimewait, Expires: 50 * time.Second}}, pid, comm)
		}
		for i := range udp {
			s := model.Socket{Proto: model.ProtoUDP, Family: model.FamilyInet, State: model.StateUnconn,
				Local: v4(127, byte(h+1), 0, 4, uint16(30000+i)), Remote: v4(0, 0, 0, 0, 0)}
			if i%2 == 1 {
				s.State, s.Remote = model.StateEstablished, v4(10, 0, 0, byte(i%10), 53)
			}
			add(s, pid, comm)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(snap.Sockets), func(i, j int) { snap.Sockets[i], snap.Sockets[j] = snap.Sockets[j], snap.Sockets[i] })
	snap.Owners = model.NewOwners(owners, 0)
	// collect remembers owners in the order of an earlier snapshot's
	// sockets, which is the kernel's: these.
	snap.Former = map[model.TupleKey][]model.Owner{}
	for i := range snap.Sockets {
		if k := snap.Sockets[i].Key(); formers[k] != nil {
			snap.Former[k] = slices.Clone(formers[k])
		}
	}
	return snap
}

func BenchmarkDestinations(b *testing.B) {
	snap := benchSnapshot()
	th := DefaultThresholds()
	prev := Destinations(snap, nil, 0, th)
	b.ReportAllocs()
	for b.Loop() {
		Destinations(snap, prev, time.Second, th)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(snap.Sockets)), "ns/socket")
}

// TestDestinationsMatchesMaps checks the index against plain maps on a
// random table big enough to grow the index's hash tables many times,
// with IPv4, IPv6, zones, both protocols and every state.
func TestDestinationsMatchesMaps(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	addrs := []netip.Addr{
		netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("192.0.2.7"),
		netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2"),
		netip.MustParseAddr("fe80::1%eth0"), netip.MustParseAddr("fe80::1%eth1"), netip.MustParseAddr("::ffff:10.0.0.1"),
	}
	snap := &model.Snapshot{Host: model.HostFacts{Ephemeral: model.PortRange{Lo: 40000, Hi: 40999}, Reserved: []model.PortRange{{Lo: 40100, Hi: 40199}}}}
	for range 20000 {
		s := model.Socket{
			Proto:  []model.Proto{model.ProtoTCP, model.ProtoUDP}[r.IntN(2)],
			State:  model.AllStates[r.IntN(len(model.AllStates))],
			Local:  netip.AddrPortFrom(addrs[r.IntN(len(addrs))], uint16(39990+r.IntN(1020))),
			Remote: netip.AddrPortFrom(addrs[r.IntN(len(addrs))], uint16(r.IntN(3000))),
		}
		snap.Sockets = append(snap.Sockets, s)
	}
	ix := Destinations(snap, nil, 0, DefaultThresholds())

	type dk struct {
		p  model.Proto
		ap netip.AddrPort
	}
	type pk struct {
		l netip.Addr
		r netip.AddrPort
	}
	taken := map[uint16]bool{}
	for _, s := range snap.Sockets {
		if s.Proto == model.ProtoTCP && (s.State == model.StateListen || s.State == model.StateBoundInactive) {
			taken[s.Local.Port()] = true
		}
	}
	dests, pools := map[dk]model.StateCounts{}, map[pk]model.StateCounts{}
	low := map[pk]int{} // sockets on even ports, the parity connect() takes first here
	for _, s := range snap.Sockets {
		if s.Remote.Port() == 0 {
			continue
		}
		c := dests[dk{s.Proto, s.Remote}]
		c.Add(s.State)
		dests[dk{s.Proto, s.Remote}] = c
		lp := s.Local.Port()
		if s.Proto == model.ProtoTCP && snap.Host.Ephemeral.Contains(lp) && !snap.Host.IsReserved(lp) && !taken[lp] {
			c := pools[pk{s.Local.Addr(), s.Remote}]
			c.Add(s.State)
			pools[pk{s.Local.Addr(), s.Remote}] = c
			if lp%2 == 0 {
				low[pk{s.Local.Addr(), s.Remote}]++
			}
		}
	}
	// Odd ports in pools whose even ports are under 90% taken were bound,
	// TIME_WAIT aside.
	lowCap := 0
	for p := 40000; p <= 40999; p += 2 {
		if !snap.Host.IsReserved(uint16(p)) && !taken[uint16(p)] {
			lowCap++
		}
	}
	bound := map[uint16]bool{}
	for _, s := range snap.Sockets {
		lp, k := s.Local.Port(), pk{s.Local.Addr(), s.Remote}
		if s.Remote.Port() == 0 || s.Proto != model.ProtoTCP || lp%2 == 0 || !snap.Host.Ephemeral.Contains(lp) ||
			snap.Host.IsReserved(lp) || taken[lp] || low[k]*10 >= lowCap*9 || s.State == model.StateTimeWait {
			continue
		}
		c := pools[k]
		c[model.StateSlot(s.State)]--
		pools[k] = c
		bound[lp] = true
	}
	if len(ix.Dests) != len(dests) || len(ix.Pools) != len(pools) {
		t.Fatalf("%d endpoints, %d pools; want %d, %d", len(ix.Dests), len(ix.Pools), len(dests), len(pools))
	}
	for k, want := range dests {
		d := ix.Lookup(k.p, k.ap)
		if d == nil {
			t.Fatalf("Lookup(%v, %v) = nil", k.p, k.ap)
		}
		if diff := cmp.Diff(want, d.States); diff != "" {
			t.Errorf("%v %v (-want +got):\n%s", k.p, k.ap, diff)
		}
	}
	for k, want := range pools {
		p := ix.Pool(k.l, k.r)
		if p == nil {
			t.Fatalf("Pool(%v, %v) = nil", k.l, k.r)
		}
		if diff := cmp.Diff(want, p.States); diff != "" {
			t.Errorf("pool %v -> %v (-want +got):\n%s", k.l, k.r, diff)
		}
		if d := &ix.Dests[p.Dest]; d.Remote != k.r || d.Proto != model.ProtoTCP {
			t.Errorf("pool %v -> %v: Dest %d is %v %v", k.l, k.r, p.Dest, d.Proto, d.Remote)
		}
	}
	wantUsable := 1000 - 100 - len(bound)
	for p := range taken {
		if snap.Host.Ephemeral.Contains(p) && !snap.Host.IsReserved(p) {
			wantUsable--
		}
	}
	if ix.Usable != wantUsable {
		t.Errorf("Usable = %d, want %d", ix.Usable, wantUsable)
	}
}

// TestBindBeforeConnect checks that sockets on ports of the second parity,
// in pools whose first parity is far from taken, count as bound: out of
// their pools, their ports out of U, and in their address's BindPool.
func TestBindBeforeConnect(t *testing.T) {
	dst, other := "10.0.0.9:5432", "10.0.0.9:6379"
	snap := &model.Snapshot{Host: range1000}
	snap.Sockets = append(snap.Sockets, run(10, model.StateEstablished, "10.0.0.2", 40000, dst)...) // connect(): even
	snap.Sockets = append(snap.Sockets,
		modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.5:40001", dst), // bind(10.0.0.5:0), then connect()
		modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.5:40003", dst),
		// TIME_WAIT on the second parity is no evidence (see BindPool):
		// it stays in its pool.
		modeltest.Sock(model.ProtoTCP, model.StateTimeWait, "10.0.0.5:40007", dst),
		modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.5:40005", other),
		modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.5:40002", other), // connect() from the same address
		modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:40100", "0.0.0.0:0"),
	)
	// A pool past its first parity: 500 even ports, then odd ones that
	// connect() handed out. They are not bound.
	snap.Sockets = append(snap.Sockets, runAt(520, model.StateTimeWait, "10.0.0.3", 0, dst)...)
	ix := Destinations(snap, nil, 0, DefaultThresholds())

	if ix.Reserved != 0 || ix.Held != 1 || ix.Usable != 1000-1-3 {
		t.Errorf("Reserved, Held, Usable = %d, %d, %d; want 0, 1, 996", ix.Reserved, ix.Held, ix.Usable)
	}
	want := []BindPool{{Local: netip.MustParseAddr("10.0.0.5"), States: counts(model.StateEstablished, 3),
		Sockets: 3, InUse: 5, Usable: 999}}
	if diff := cmp.Diff(want, ix.BindPools, netipCmp); diff != "" {
		t.Errorf("BindPools (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		local, remote string
		inUse, bound  int
	}{
		{"10.0.0.5", dst, 1, 2},
		{"10.0.0.5", other, 1, 1},
		{"10.0.0.2", dst, 10, 0},
		// The 500 even ports, then 20 odd ones; the socket on 40100 (the
		// listener's port, which connect() would skip) is in no pool.
		{"10.0.0.3", dst, 519, 0},
	} {
		p := ix.Pool(netip.MustParseAddr(tt.local), netip.MustParseAddrPort(tt.remote))
		if p == nil {
			t.Fatalf("no pool %s -> %s", tt.local, tt.remote)
		}
		if p.InUse != tt.inUse || p.Bound != tt.bound || p.Usable != ix.Usable {
			t.Errorf("pool %s -> %s: InUse, Bound, Usable = %d, %d, %d; want %d, %d, %d",
				tt.local, tt.remote, p.InUse, p.Bound, p.Usable, tt.inUse, tt.bound, ix.Usable)
		}
	}
}

// TestTimeWaitReuse checks that TIME_WAIT sockets connect() may take over
// (tcp_tw_reuse) leave the pool's free ports and flags alone.
func TestTimeWaitReuse(t *testing.T) {
	loop, dst := "127.0.0.1:5432", "10.0.0.9:5432"
	settings := func(reuse, ts int) model.HostFacts {
		h := range1000
		h.Settings = model.NetSettings{Read: true, TCPTwReuse: reuse, TCPTimestamps: ts}
		return h
	}
	tests := []struct {
		name     string
		host     model.HostFacts
		local    string
		remote   string
		reusable int
	}{
		{"settings not read", range1000, "127.0.0.1", loop, 0},
		{"reuse 2, loopback", settings(2, 1), "127.0.0.1", loop, 900},
		{"reuse 2, loopback source only", settings(2, 1), "127.0.0.1", dst, 900},
		{"reuse 2, elsewhere", settings(2, 1), "10.0.0.2", dst, 0},
		{"reuse 1", settings(1, 1), "10.0.0.2", dst, 900},
		{"reuse 1 without timestamps", settings(1, 0), "10.0.0.2", dst, 0},
		{"reuse 0", settings(0, 1), "127.0.0.1", loop, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := &model.Snapshot{Host: tt.host, Sockets: append(runAt(900, model.StateTimeWait, tt.local, 0, tt.remote),
				runAt(20, model.StateEstablished, tt.local, 900, tt.remote)...)}
			ix := Destinations(snap, nil, 0, DefaultThresholds())
			p := ix.Pool(netip.MustParseAddr(tt.local), netip.MustParseAddrPort(tt.remote))
			if p.TimeWaitReusable != tt.reusable || p.InUse != 920 || p.Free() != 1000-920+tt.reusable {
				t.Errorf("TimeWaitReusable, InUse, Free = %d, %d, %d; want %d, 920, %d",
					p.TimeWaitReusable, p.InUse, p.Free(), tt.reusable, 1000-920+tt.reusable)
			}
			wantSev := SeverityWarn // TW 90%, 92% taken
			if tt.reusable > 0 {
				wantSev = SeverityNone // 20 of 1000 taken
			}
			if got := ix.Severity(); got != wantSev {
				t.Errorf("Severity = %v, want %v (flags %v)", got, wantSev, ix.Flags)
			}
		})
	}
}
