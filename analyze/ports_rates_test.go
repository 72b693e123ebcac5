package analyze

import (
	"math"
	"testing"
	"time"

	"github.com/conntab/conntab/internal/modeltest"
	"github.com/conntab/conntab/model"
)

// aged gives TIME_WAIT sockets the timer the kernel reports: each entered
// TIME_WAIT age ago.
func aged(socks []model.Socket, age time.Duration) []model.Socket {
	for i := range socks {
		socks[i].Timer = model.Timer{Kind: model.TimerTimewait, Expires: TimeWaitLen - age}
	}
	return socks
}

// TestNoExhaustionUnderReuse: loopback churn under tcp_tw_reuse 2 grows
// TIME_WAIT, which connect() may take over: the pool cannot run out, so
// it has no time to exhaustion, however its TIME_WAIT grew.
func TestNoExhaustionUnderReuse(t *testing.T) {
	h := modeltest.PortsHost()
	h.Settings.TCPTwReuse = 2
	dst := "127.0.0.1:5432"
	th := DefaultThresholds()
	first := &model.Snapshot{Host: h, Sockets: aged(modeltest.PoolSockets(h, 100, model.StateTimeWait, "127.0.0.1", dst, 0), 30*time.Second)}
	second := &model.Snapshot{Host: h, Sockets: append(
		aged(modeltest.PoolSockets(h, 100, model.StateTimeWait, "127.0.0.1", dst, 0), 31*time.Second),
		aged(modeltest.PoolSockets(h, 4, model.StateTimeWait, "127.0.0.1", dst, 100), 500*time.Millisecond)...)}
	second.Sockets = append(second.Sockets, modeltest.PoolSockets(h, 1, model.StateEstablished, "127.0.0.1", dst, 104)...)
	r := Ports(second, Destinations(second, Destinations(first, nil, 0, th), time.Second, th), model.NetCounters{}, time.Second, th)
	p := r.Pools[0]
	if !math.IsInf(p.MaxRate, 1) || p.Exhaustion != 0 || p.BlockingGrowth != 1 || p.Growth != 5 {
		t.Errorf("MaxRate, Exhaustion, BlockingGrowth, Growth = %v, %v, %v, %v; want +Inf, 0, 1, 5", p.MaxRate, p.Exhaustion, p.BlockingGrowth, p.Growth)
	}
	// The 4 younger than the second between the samples closed in it.
	if p.TimeWaitNew != 4 || p.TimeWaitUntimed != 0 || p.Rate != 4 || !p.RateFromTimers() {
		t.Errorf("TimeWaitNew, TimeWaitUntimed, Rate, RateFromTimers = %d, %d, %v, %v; want 4, 0, 4, true",
			p.TimeWaitNew, p.TimeWaitUntimed, p.Rate, p.RateFromTimers())
	}
}

// TestExhaustionOnlyPastWhatThePoolSustains: without reuse, a pool whose
// clients close fewer connections a second than it sustains fills only
// until TIME_WAIT levels off; one that closes more runs out.
func TestExhaustionOnlyPastWhatThePoolSustains(t *testing.T) {
	h := modeltest.PortsHost() // U = 200, tcp_tw_reuse 0
	dst := "10.0.0.9:5432"
	th := DefaultThresholds()
	for _, tc := range []struct {
		name      string
		closed    int // in the second between the samples
		exhausted time.Duration
	}{
		{"sustained", 2, 0}, // 2/s against (200 - 0) / 60 s = 3.3/s
		{"more than it sustains", 10, 9000 * time.Millisecond}, // 90 free at 10/s
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := &model.Snapshot{Host: h, Sockets: aged(modeltest.PoolSockets(h, 100, model.StateTimeWait, "10.0.0.2", dst, 0), 10*time.Second)}
			second := &model.Snapshot{Host: h, Sockets: append(
				aged(modeltest.PoolSockets(h, 100, model.StateTimeWait, "10.0.0.2", dst, 0), 11*time.Second),
				aged(modeltest.PoolSockets(h, tc.closed, model.StateTimeWait, "10.0.0.2", dst, 100), 100*time.Millisecond)...)}
			r := Ports(second, Destinations(second, Destinations(first, nil, 0, th), time.Second, th), model.NetCounters{}, time.Second, th)
			p := r.Pools[0]
			if p.Rate != float64(tc.closed) || p.Exhaustion != tc.exhausted {
				t.Errorf("Rate, Exhaustion = %v, %v; want %d, %v", p.Rate, p.Exhaustion, tc.closed, tc.exhausted)
			}
		})
	}
}

// TestOpensSplit: the pools' rates and ActiveOpens over the same
// interval agree when every connection went to a pool and closed first,
// and otherwise split into what each counts.
func TestOpensSplit(t *testing.T) {
	h := modeltest.PortsHost()
	dst := "10.0.0.9:5432"
	th := DefaultThresholds()
	first := &model.Snapshot{Host: h}
	first.Host.Counters = model.NetCounters{Read: true, ActiveOpens: 1000, AttemptFails: 10}
	second := &model.Snapshot{Host: h, Sockets: aged(modeltest.PoolSockets(h, 8, model.StateTimeWait, "10.0.0.2", dst, 0), time.Second)}
	report := func(opens, fails uint64) *PortsReport {
		second.Host.Counters = model.NetCounters{Read: true, ActiveOpens: 1000 + opens, AttemptFails: 10 + fails}
		return Ports(second, Destinations(second, Destinations(first, nil, 0, th), 2*time.Second, th), first.Host.Counters, 2*time.Second, th)
	}
	if s, ok := report(8, 0).Opens(); !ok || !s.Agree || s.Closed != 4 || s.ActiveOpens != 4 {
		t.Errorf("8 opened, 8 closed: %+v, %v; want agreeing at 4/s", s, ok)
	}
	s, ok := report(14, 2).Opens()
	if !ok || s.Agree || s.ActiveOpens != 7 || s.Closed != 4 || s.Failed != 1 || s.Rest != 2 {
		t.Errorf("14 opened, 2 failed, 8 closed: %+v, %v; want 7/s = 4 closed + 1 failed + 2 rest", s, ok)
	}
	if _, ok := Ports(second, Destinations(second, nil, 0, th), model.NetCounters{}, 0, th).Opens(); ok {
		t.Error("one sample: want no split")
	}
}
