package analyze

import (
	"math"

	"github.com/conntab/conntab/model"
)

// OpensSplit sets the namespace's ActiveOpens over the interval beside
// the pools' rates, two figures that measure different things: a pool's
// Rate counts one (local address, destination)'s connections that the
// client closed first, by their TIME_WAIT sockets; ActiveOpens counts
// every connect() in the namespace, to every destination, failed ones
// too. All figures are per second over PortsReport.Interval.
type OpensSplit struct {
	// ActiveOpens is the growth of the Tcp counter: every connect().
	ActiveOpens float64
	// Closed is every pool's Rate added up.
	Closed float64
	// Failed is the growth of AttemptFails: connect() calls that failed
	// in the handshake (and handshakes of listeners that were reset).
	Failed float64
	// Rest is ActiveOpens less Closed and Failed: connections still open
	// at the second sample, closed by the peer first (no TIME_WAIT here),
	// from a port outside the pools (bound before connect()), or whose
	// TIME_WAIT connect() already took over. It is negative when more
	// connections closed than opened: those opened before the interval.
	Rest float64
	// Recycled is the growth of TWRecycled: TIME_WAIT sockets connect()
	// took over (tcp_tw_reuse), which leave TIME_WAIT early.
	Recycled float64
	// Agree says that Closed is ActiveOpens, give or take a tenth or one
	// connection over the interval: then nothing needs explaining.
	Agree bool
}

// Opens splits ActiveOpens over the interval as OpensSplit says. ok is
// false when the report cannot set them side by side: one sample, the
// counters not read in both, or the pools' rates over another span.
func (r *PortsReport) Opens() (s OpensSplit, ok bool) {
	get := func(c *model.NetCounters) uint64 { return c.ActiveOpens }
	opens, ok := r.delta(get)
	if !ok || r.RatesOver != r.Interval {
		return OpensSplit{}, false
	}
	fails, _ := r.delta(func(c *model.NetCounters) uint64 { return c.AttemptFails })
	recycled, _ := r.delta(func(c *model.NetCounters) uint64 { return c.TWRecycled })
	secs := r.Interval.Seconds()
	closed := 0.0
	for i := range r.Pools {
		closed += r.Pools[i].Rate * secs
	}
	s = OpensSplit{
		ActiveOpens: float64(opens) / secs, Closed: closed / secs, Failed: float64(fails) / secs,
		Recycled: float64(recycled) / secs,
	}
	s.Rest = s.ActiveOpens - s.Closed - s.Failed
	s.Agree = math.Abs(float64(opens)-closed) <= max(1, float64(opens)/10)
	return s, true
}

// RateBasis says what p's Rate was counted from: "by their TIME_WAIT
// timers over the last 5.0s", "from the growth of TIME_WAIT over the last
// 5.0s" (a TIME_WAIT socket had no timer), or "TIME_WAIT / 60 s, the last
// minute's" (one sample).
func (r *PortsReport) RateBasis(p *PoolReport) string {
	switch {
	case !p.RateFromSamples:
		return "TIME_WAIT / 60 s, the last minute's"
	case p.RateFromTimers():
		return "by their TIME_WAIT timers over the last " + string(model.AppendDuration(nil, r.RatesOver))
	}
	return "from the growth of TIME_WAIT over the last " + string(model.AppendDuration(nil, r.RatesOver))
}
