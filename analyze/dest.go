package analyze

import (
	"net/netip"
	"time"

	"github.com/conntab/conntab/model"
)

// Destination is one remote endpoint: the connected sockets (remote port
// not 0) of one protocol to one remote address and port, in any state and
// from any local address.
type Destination struct {
	Proto  model.Proto
	Remote netip.AddrPort
	States model.StateCounts
	Total  int
	// Pool is the index in DestIndex.Pools of this endpoint's busiest
	// ephemeral port pool (the highest utilisation: see busier), or -1
	// when no socket to it has a local port from the ephemeral range.
	// PoolInUse, PoolUsable and PoolTimeWait are that pool's figures, 0
	// without one.
	Pool                                int
	PoolInUse, PoolUsable, PoolTimeWait int
	// CloseWaitSamples is the number of samples, since the CLOSE_WAIT count
	// last fell or was 0, in which it has not fallen; CloseWaitFrom is the
	// count at that point (the count itself at the first sample, when
	// there was no earlier one to compare).
	CloseWaitSamples, CloseWaitFrom int
	// Flags are the flags this endpoint raises, its own (CLOSE_WAIT) and,
	// for each pool kind, the worst of its pools'. They share memory with
	// DestIndex.Flags.
	Flags []Flag
}

// TimeWaitShare is the fraction (0 to 1) of the endpoint's sockets that
// are in TIME_WAIT.
func (d *Destination) TimeWaitShare() float64 {
	if d.Total == 0 {
		return 0
	}
	return float64(d.States.Of(model.StateTimeWait)) / float64(d.Total)
}

// PoolUtilisation is the busiest pool's ports in use as a fraction of its
// usable ports, or 0 without a pool.
func (d *Destination) PoolUtilisation() float64 {
	if d.PoolUsable == 0 {
		return 0
	}
	return float64(d.PoolInUse) / float64(d.PoolUsable)
}

// Severity is the worst severity among the endpoint's flags.
func (d *Destination) Severity() Severity { return worst(d.Flags) }

// PortPool is the set of ephemeral ports connect() without bind() picks
// from for one (local address, remote address, remote port): the kernel
// lets a port serve once per 4-tuple, so each destination, from each local
// address, has a pool of its own. Only TCP is accounted: UDP's connect()
// keeps the port the socket was bound to.
type PortPool struct {
	Local  netip.Addr
	Remote netip.AddrPort
	// States counts the pool's sockets by state; each holds one port.
	States model.StateCounts
	// InUse is the number of ports taken: the pool's sockets, less those
	// on ports a bind() holds (Bound).
	InUse int
	// Usable is U, the ports connect() may pick (see DestIndex.Usable).
	Usable int
	// TimeWaitReusable is how many of the pool's TIME_WAIT sockets
	// connect() may take over under tcp_tw_reuse (NetSettings.TwReuseFor):
	// all of them or none. They count in InUse but not in Utilisation.
	TimeWaitReusable int
	// Bound counts the pool's sockets on ports that bind() took before
	// connect() (DestIndex.BindPools says how they are told apart). Their
	// ports are out of every pool's U, so they are not in InUse.
	Bound int
	// InUseBefore is InUse in the previous sample, and Growth the change
	// of InUse per second since then; BlockingGrowth is the change of
	// Blocking per second. All 0 under the same conditions as
	// TimeWaitBefore; the growths may be negative.
	InUseBefore            int
	Growth, BlockingGrowth float64
	// Dest is the index of the pool's remote endpoint in DestIndex.Dests.
	Dest int
	// TimeWaitBefore is the pool's TIME_WAIT count in the previous sample
	// (0 when it was not there), and TimeWaitRate its growth per second
	// since then. Both are 0 without a previous sample, or when the
	// samples are closer than Thresholds.MinInterval; the rate is 0 when
	// the count did not grow.
	TimeWaitBefore int
	TimeWaitRate   float64
	// TimeWaitNew is how many of the pool's TIME_WAIT sockets entered
	// TIME_WAIT since the previous sample, told by their timers (a socket
	// stays TimeWaitLen in TIME_WAIT): the connections the client closed
	// first in the interval, less any whose TIME_WAIT connect() already
	// took over (tcp_tw_reuse waits a second for that). TimeWaitUntimed
	// counts the TIME_WAIT sockets without a timewait timer, whose age is
	// unknown. Both are 0 under the same conditions as TimeWaitBefore.
	TimeWaitNew, TimeWaitUntimed int
}

// countAge counts a TIME_WAIT socket with timer t in TimeWaitNew when it
// entered TIME_WAIT less than window ago, or in TimeWaitUntimed.
func (p *PortPool) countAge(t *model.Timer, window time.Duration) {
	switch {
	case t.Kind != model.TimerTimewait:
		p.TimeWaitUntimed++
	case TimeWaitLen-t.Expires < window:
		p.TimeWaitNew++
	}
}

// Blocking is the number of ports connect() cannot take for this pool:
// InUse less the TIME_WAIT sockets it may take over.
func (p *PortPool) Blocking() int { return p.InUse - p.TimeWaitReusable }

// Free is the number of connect() calls to this destination from this
// local address that can still succeed at once: Usable less Blocking.
func (p *PortPool) Free() int { return max(p.Usable-p.Blocking(), 0) }

// Utilisation is Blocking as a fraction of Usable: the share of the pool
// connect() can no longer pick. Severity follows it (docs/exhaustion.md).
func (p *PortPool) Utilisation() float64 {
	if p.Usable == 0 {
		return 0
	}
	return float64(p.Blocking()) / float64(p.Usable)
}

// DestIndex is one sample's remote endpoints and ephemeral port pools, and
// the flags they raise. Destinations builds it.
type DestIndex struct {
	// Taken is the snapshot's time.
	Taken time.Time
	// Ephemeral is the host's ephemeral range; the zero range (unknown)
	// means no pools.
	Ephemeral model.PortRange
	// Usable is U, the ports of the ephemeral range connect() may pick:
	// the range, less the reserved ports in it, less the ports in it that
	// a bind() holds: listening and bound-only TCP sockets, and the
	// sockets BindPools tells apart as bound before connect(). The kernel
	// keeps one bind bucket per port, whatever the address, and connect()
	// skips a port whose bucket a bind() made.
	Usable int
	// Held is the number of ports of the range held by listening and
	// bound-only TCP sockets; Reserved, the reserved ports in the range.
	Held, Reserved int
	// BindPools are the local addresses with sockets bound before
	// connect(), in the order the snapshot first names them.
	BindPools []BindPool
	// Dests are the remote endpoints in the order the snapshot first
	// names them.
	Dests []Destination
	// Pools are the ephemeral port pools in the same order.
	Pools []PortPool
	// Busiest is the index in Pools of the busiest pool: the highest
	// utilisation, then the most blocking ports, then the lowest
	// addresses (local, then remote); -1 when there is none.
	Busiest int
	// Flags are every endpoint's flags, endpoint by endpoint.
	Flags []Flag

	dests, pools slotTable
}

// BindPool is one local address's sockets that took their port with
// bind() before connect(). bind() does not know the destination yet, so
// such sockets draw on one pool per local address for every destination
// together (the ports of the range not bound on that address), instead
// of one pool per destination; and their ports leave every connect()
// pool (DestIndex.Usable). conntab tells them apart by parity: connect()
// takes ports of the parity of the range's low end first, and moves to
// the other parity only when every port of the first is taken for that
// destination; bind(0) takes the other parity first. A socket on a port
// of the other parity, in a pool whose first-parity ports are less than
// 90% taken, was bound by bind(). TIME_WAIT sockets are left out of the
// test: when a pool ran full, its first-parity sockets are the older ones
// and leave TIME_WAIT first, so the second-parity ones would read as
// bound for a minute. A bind() to a port of the first parity chosen by
// hand cannot be told apart, nor an open socket connect() put on the
// other parity in a pool that has since emptied, nor a bound socket in
// TIME_WAIT (its port stays in its pool and in U).
type BindPool struct {
	Local netip.Addr
	// States counts the bound sockets by state; Sockets is their number.
	States  model.StateCounts
	Sockets int
	// InUse is the number of ports of the range that sockets from this
	// address hold, bound or not (bind(0) cannot take any of them), and
	// Usable the ports of the range less reserved and held ones
	// (DestIndex.Reserved, DestIndex.Held).
	InUse, Usable int
	// Severity is set in a PortsReport: its bind-before-connect finding's
	// (at least a notice). Destinations leaves it none.
	Severity Severity
}

// Utilisation is InUse as a fraction of Usable.
func (b *BindPool) Utilisation() float64 {
	if b.Usable == 0 {
		return 0
	}
	return float64(b.InUse) / float64(b.Usable)
}

// Lookup returns the remote endpoint p/remote, or nil.
func (ix *DestIndex) Lookup(p model.Proto, remote netip.AddrPort) *Destination {
	if ix == nil {
		return nil
	}
	if i := ix.findDest(p, remote, destHash(p, remote)); i >= 0 {
		return &ix.Dests[i]
	}
	return nil
}

// Pool returns the ephemeral port pool from local to remote, or nil.
func (ix *DestIndex) Pool(local netip.Addr, remote netip.AddrPort) *PortPool {
	if ix == nil {
		return nil
	}
	if i := ix.findPool(local, remote, poolHash(local, remote)); i >= 0 {
		return &ix.Pools[i]
	}
	return nil
}

// BusiestPool is the pool Busiest names, or nil.
func (ix *DestIndex) BusiestPool() *PortPool {
	if ix == nil || ix.Busiest < 0 {
		return nil
	}
	return &ix.Pools[ix.Busiest]
}

// Severity is the worst severity among all flags.
func (ix *DestIndex) Severity() Severity {
	if ix == nil {
		return SeverityNone
	}
	return worst(ix.Flags)
}

func worst(flags []Flag) Severity {
	var s Severity
	for i := range flags {
		s = max(s, flags[i].Severity)
	}
	return s
}
