package analyze

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/conntab/conntab/model"
)

// PortsReport answers "connect() fails with EADDRNOTAVAIL: why, for which
// destination, how soon, and what do I change?" for one snapshot: the
// ephemeral port pools with their budgets, the sockets and settings that
// shrink them, the namespace's counters, and findings with advice.
// docs/exhaustion.md explains every figure. Ports builds it.
type PortsReport struct {
	Taken time.Time
	NetNS uint32
	// Ephemeral is the ephemeral range; Reserved, Held and Usable are
	// DestIndex's: the reserved ports in it, the ports in it held by
	// listening and bound-only sockets, and U.
	Ephemeral              model.PortRange
	Reserved, Held, Usable int
	// HeldPorts are the ports of the range that a bind() holds, each with
	// the sockets that hold it, in port order.
	HeldPorts []HeldPort
	Settings  model.NetSettings
	Counters  model.NetCounters
	// Interval is the time since the sample Before's counters come from,
	// 0 for a report from one sample.
	Interval time.Duration
	Before   model.NetCounters
	// RatesOver is the interval the pools' rates are taken over (the time
	// since the previous sample), 0 when they are from one sample.
	RatesOver time.Duration
	// TimeWait is the number of TCP sockets in TIME_WAIT in the namespace.
	TimeWait int
	// Pools are every ephemeral port pool, most severe first, then the
	// fullest.
	Pools []PoolReport
	// BindPools are DestIndex's.
	BindPools []BindPool
	// FullQueues are the listening sockets whose accept queue is past
	// their backlog (netlink only: /proc does not give the backlog).
	FullQueues []model.Socket
	// Findings are what the report found, most severe first, each with
	// its advice.
	Findings []Finding
}

// HeldPort is a port of the ephemeral range a bind() holds.
type HeldPort struct {
	Port uint16
	// Sockets are the listening or bound-only TCP sockets on it.
	Sockets []model.Socket
}

// PoolReport is one ephemeral port pool with its rates and severity.
type PoolReport struct {
	PortPool
	// Rate is the pool's connections per second that the client closed
	// first, each of which holds its port TIME_WAIT for TimeWaitLen. From
	// one sample: TIME_WAIT / 60 s, the last minute's. From two
	// (RateFromSamples): the TIME_WAIT sockets younger than the interval,
	// by their timers (TimeWaitNew / dt); where a TIME_WAIT socket has no
	// timer, the growth of TIME_WAIT plus the departures the previous
	// count implies (TimeWaitBefore / 60 s).
	Rate            float64
	RateFromSamples bool
	// MaxRate is the rate of new connections the pool can sustain when
	// the client closes first: each leaves a TIME_WAIT socket for 60 s,
	// so at most (U - ports held open) / 60 s. +Inf when its TIME_WAIT
	// sockets are reusable (tcp_tw_reuse).
	MaxRate float64
	// Exhaustion is the time left until no port is free, at the growth
	// of the blocking ports since the previous sample, for a pool that
	// cannot sustain its rate (Rate above MaxRate) and whose blocking
	// ports grew; 0 otherwise. A pool that sustains its rate fills no
	// further than TIME_WAIT at that rate, and never under tcp_tw_reuse.
	Exhaustion time.Duration
	Severity   Severity
}

// RateFromTimers reports whether Rate was counted from the TIME_WAIT
// sockets' timers over the interval.
func (p *PoolReport) RateFromTimers() bool { return p.RateFromSamples && p.TimeWaitUntimed == 0 }

// Subject is "127.0.0.1 → 10.0.0.9:5432".
func (p *PoolReport) Subject() string {
	b := p.Local.AppendTo(nil)
	b = append(b, " → "...)
	return string(p.Remote.AppendTo(b))
}

// Severity is the worst severity among the findings.
func (r *PortsReport) Severity() Severity {
	var s Severity
	for i := range r.Findings {
		s = max(s, r.Findings[i].Severity)
	}
	return s
}

// Ports builds the report for snap from its index ix (Destinations over
// the same snapshot, given the previous sample's index and dt for rates
// from samples). before is the previous sample's counters, dt the time
// since it; a zero NetCounters and 0 make a report from one sample.
func Ports(snap *model.Snapshot, ix *DestIndex, before model.NetCounters, dt time.Duration, th Thresholds) *PortsReport {
	r := &PortsReport{
		Taken: snap.Taken, NetNS: snap.NetNS, Ephemeral: ix.Ephemeral,
		Reserved: ix.Reserved, Held: ix.Held, Usable: ix.Usable,
		Settings: snap.Host.Settings, Counters: snap.Host.Counters,
		BindPools: slices.Clone(ix.BindPools), // their Severity is set here
	}
	if before.Read && r.Counters.Read && dt > 0 {
		r.Before, r.Interval = before, dt
	}
	held := map[uint16]int{}
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		if s.Proto != model.ProtoTCP {
			continue
		}
		switch s.State {
		case model.StateTimeWait:
			r.TimeWait++
		case model.StateListen, model.StateBoundInactive:
			if s.State == model.StateListen && snap.Source == model.SourceNetlink && s.RecvQ > s.SendQ {
				r.FullQueues = append(r.FullQueues, *s)
			}
			lp := s.Local.Port()
			if ix.Ephemeral.Size() > 0 && ix.Ephemeral.Contains(lp) && !snap.Host.IsReserved(lp) {
				hi, ok := held[lp]
				if !ok {
					hi = len(r.HeldPorts)
					held[lp] = hi
					r.HeldPorts = append(r.HeldPorts, HeldPort{Port: lp})
				}
				r.HeldPorts[hi].Sockets = append(r.HeldPorts[hi].Sockets, *s)
			}
		}
	}
	slices.SortFunc(r.HeldPorts, func(a, b HeldPort) int { return cmp.Compare(a.Port, b.Port) })

	rated := dt > 0 && dt >= th.MinInterval
	if rated {
		r.RatesOver = dt
	}
	r.Pools = make([]PoolReport, 0, len(ix.Pools))
	for i := range ix.Pools {
		if ix.Pools[i].InUse == 0 {
			continue // every socket in it was bound: BindPools has them
		}
		r.Pools = append(r.Pools, PoolReport{PortPool: ix.Pools[i]})
		p := &r.Pools[len(r.Pools)-1]
		p.rate(rated, dt)
		p.Severity = th.PortsSeverity(p.Blocking(), p.Usable)
	}
	slices.SortStableFunc(r.Pools, func(a, b PoolReport) int {
		if a.Severity != b.Severity {
			return cmp.Compare(b.Severity, a.Severity)
		}
		return cmp.Compare(b.Blocking(), a.Blocking())
	})

	r.findPools(th)
	r.findBindPools(th)
	r.findHeldPorts()
	r.findQueues()
	r.findTimeWaitTable()
	r.findSettings()
	r.findConntrackDrops()
	slices.SortStableFunc(r.Findings, func(a, b Finding) int { return cmp.Compare(b.Severity, a.Severity) })
	return r
}

// rate sets the pool's Rate, MaxRate and Exhaustion; rated says whether
// the samples are far enough apart for rates over dt.
func (p *PoolReport) rate(rated bool, dt time.Duration) {
	tw := p.States.Of(model.StateTimeWait)
	p.Rate = float64(tw) / TimeWaitLen.Seconds()
	if rated {
		p.RateFromSamples = true
		if p.TimeWaitUntimed == 0 {
			p.Rate = float64(p.TimeWaitNew) / dt.Seconds()
		} else {
			p.Rate = p.TimeWaitRate + float64(p.TimeWaitBefore)/TimeWaitLen.Seconds()
		}
	}
	if p.TimeWaitReusable > 0 {
		p.MaxRate = math.Inf(1)
	} else {
		p.MaxRate = float64(max(p.Usable-(p.InUse-tw), 0)) / TimeWaitLen.Seconds()
	}
	if rated && p.BlockingGrowth > 0 && p.Rate > p.MaxRate {
		p.Exhaustion = time.Duration(float64(p.Free()) / p.BlockingGrowth * float64(time.Second))
	}
}

// delta is how much counter c (a field of NetCounters) grew since Before,
// and whether there is a Before to compare with.
func (r *PortsReport) delta(c func(*model.NetCounters) uint64) (uint64, bool) {
	if r.Interval == 0 {
		return 0, false
	}
	now, then := c(&r.Counters), c(&r.Before)
	if now < then { // the namespace was made anew
		return 0, false
	}
	return now - then, true
}

// appendPercentOf appends "85% of 199".
func appendPercentOf(dst []byte, n, of int) []byte {
	pct := 0
	if of > 0 {
		pct = n * 100 / of
	}
	dst = strconv.AppendInt(dst, int64(pct), 10)
	dst = append(dst, "% of "...)
	return strconv.AppendInt(dst, int64(of), 10)
}

// appendStateList appends "50 ESTABLISHED, 120 TIME_WAIT", states in
// kernel order, those with a count only.
func appendStateList(dst []byte, c *model.StateCounts) []byte {
	first := true
	for _, st := range model.AllStates {
		n := c.Of(st)
		if n == 0 {
			continue
		}
		if !first {
			dst = append(dst, ", "...)
		}
		first = false
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = append(dst, ' ')
		dst = append(dst, st.String()...)
	}
	return dst
}
