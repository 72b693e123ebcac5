package analyze

import (
	"math/bits"
	"slices"
	"time"

	"github.com/conntab/conntab/model"
)

// Destinations counts snap's connected sockets by remote endpoint, and its
// TCP sockets with an ephemeral local port by pool, and raises the flags
// th asks for (docs/flags.md). prev is the previous sample's index, nil
// for the first, and dt the time between the two snapshots: the TIME_WAIT
// rate is taken over dt, and the CLOSE_WAIT trend carries on from prev's
// rows. prev is only read, so it can be shown while the next index is
// built from it.
//
// Give it the whole snapshot, unfiltered: the usable ports depend on the
// listeners in it, and a trend on the same endpoints in every sample.
func Destinations(snap *model.Snapshot, prev *DestIndex, dt time.Duration, th Thresholds) *DestIndex {
	ix := &DestIndex{Taken: snap.Taken, Ephemeral: snap.Host.Ephemeral, Busiest: -1}
	pooled := ix.Ephemeral != (model.PortRange{}) && ix.Ephemeral.Size() > 0

	// Ports connect() will not pick: reserved ones, and those a bind()
	// holds. Sockets on them are no pool's (an accepted connection on a
	// listener's port in the range, say).
	var taken portSet
	if pooled {
		ix.countTaken(snap, &taken)
	}
	// TIME_WAIT sockets tell their age by their timers: those younger
	// than dt closed since the previous sample.
	var window time.Duration
	if prev != nil && dt > 0 && dt >= th.MinInterval {
		window = dt
	}
	t := ix.count(snap, prev, pooled, &taken, window)
	if len(t.second) > 0 {
		ix.findBound(snap, t.second, t.lowInUse, &taken)
	}
	settings := &snap.Host.Settings
	for i := range ix.Pools {
		p := &ix.Pools[i]
		p.Usable = ix.Usable
		if settings.TwReuseFor(p.Local, p.Remote.Addr()) {
			p.TimeWaitReusable = p.States.Of(model.StateTimeWait)
		}
	}

	flags := ix.ratePools(prev, dt, &th)
	// The pools' flags, at most one of each kind per endpoint: its worst pool's.
	flags = keepWorstPerEndpoint(flags)
	flags = ix.closeWaitTrends(flags, t.closeWait, prev, &th)
	ix.setFlags(flags)
	return ix
}

// countTaken adds to taken the ports of the ephemeral range that are
// reserved or that a bind() holds (listening and bound-only TCP sockets),
// and sets Reserved, Usable and Held from them.
func (ix *DestIndex) countTaken(snap *model.Snapshot, taken *portSet) {
	eph := ix.Ephemeral
	for _, r := range snap.Host.Reserved {
		taken.addRange(max(r.Lo, eph.Lo), min(r.Hi, eph.Hi))
	}
	ix.Reserved = taken.countIn(eph.Lo, eph.Hi)
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		if (s.State == model.StateListen || s.State == model.StateBoundInactive) && s.Proto == model.ProtoTCP {
			taken.add(s.Local.Port())
		}
	}
	ix.Usable = eph.Size() - taken.countIn(eph.Lo, eph.Hi)
	ix.Held = eph.Size() - ix.Reserved - ix.Usable
}

// portSet is a set of ports, one bit each.
type portSet [65536 / 64]uint64

func (ps *portSet) add(p uint16)      { ps[p/64] |= 1 << (p % 64) }
func (ps *portSet) has(p uint16) bool { return ps[p/64]&(1<<(p%64)) != 0 }

func (ps *portSet) addRange(lo, hi uint16) {
	for p := int(lo); p <= int(hi); p++ {
		ps.add(uint16(p))
	}
}

// countIn is the number of ports in the set from lo to hi inclusive.
func (ps *portSet) countIn(lo, hi uint16) int {
	n := 0
	for w := int(lo) / 64; w <= int(hi)/64; w++ {
		word := ps[w]
		if w == int(lo)/64 {
			word &^= 1<<(lo%64) - 1
		}
		if w == int(hi)/64 && hi%64 != 63 {
			word &= 1<<(hi%64+1) - 1
		}
		n += bits.OnesCount64(word)
	}
	return n
}

// tally is what count leaves for the steps after it.
type tally struct {
	closeWait []int32 // the endpoints with CLOSE_WAIT sockets
	// second are the pooled sockets (indexes into snap.Sockets) on ports
	// of the parity connect() takes second, and lowInUse each pool's
	// sockets on ports of the first parity: findBound's evidence.
	second   []int32
	lowInUse []int32
}

// count adds every connected socket of snap to its endpoint, and, when
// pooled, every TCP socket on an ephemeral port not in taken to its pool,
// counting its TIME_WAIT sockets younger than window (none when 0). The
// tables are sized from prev's.
func (ix *DestIndex) count(snap *model.Snapshot, prev *DestIndex, pooled bool, taken *portSet, window time.Duration) tally {
	eph := ix.Ephemeral
	lowParity := eph.Lo & 1
	var t tally

	hint := 64
	if prev != nil {
		hint = len(prev.Dests) + len(prev.Dests)/8
	}
	ix.Dests = make([]Destination, 0, hint)
	ix.dests.init(hint)
	ix.pools.init(16)

	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		if s.Remote.Port() == 0 {
			continue
		}
		h := destHash(s.Proto, s.Remote)
		di := ix.findDest(s.Proto, s.Remote, h)
		if di < 0 {
			di = int32(len(ix.Dests))
			ix.Dests = append(ix.Dests, Destination{Proto: s.Proto, Remote: s.Remote, Pool: -1})
			if ix.dests.full() {
				ix.growDests()
			} else {
				ix.dests.add(h, di)
			}
		}
		d := &ix.Dests[di]
		d.States.Add(s.State)
		d.Total++
		if s.State == model.StateCloseWait && d.States.Of(model.StateCloseWait) == 1 {
			t.closeWait = append(t.closeWait, di)
		}

		lp := s.Local.Port()
		if !pooled || s.Proto != model.ProtoTCP || !eph.Contains(lp) || taken.has(lp) {
			continue
		}
		local := s.Local.Addr()
		h = poolHash(local, s.Remote)
		pi := ix.findPool(local, s.Remote, h)
		if pi < 0 {
			pi = int32(len(ix.Pools))
			ix.Pools = append(ix.Pools, PortPool{Local: local, Remote: s.Remote, Usable: ix.Usable, Dest: int(di)})
			t.lowInUse = append(t.lowInUse, 0)
			if ix.pools.full() {
				ix.growPools()
			} else {
				ix.pools.add(h, pi)
			}
		}
		p := &ix.Pools[pi]
		p.States.Add(s.State)
		p.InUse++
		if window > 0 && s.State == model.StateTimeWait {
			p.countAge(&s.Timer, window)
		}
		switch {
		case lp&1 == lowParity:
			t.lowInUse[pi]++
		case s.State != model.StateTimeWait:
			// A TIME_WAIT socket on the second parity is no evidence:
			// its pool's first-parity sockets, made before it when the
			// pool ran full, expire before it does.
			t.second = append(t.second, int32(i))
		}
	}
	return t
}

// ratePools takes each pool's rates against prev over dt (when the
// samples are far enough apart), finds the busiest pool overall and each
// endpoint's, and returns the pools' flags.
func (ix *DestIndex) ratePools(prev *DestIndex, dt time.Duration, th *Thresholds) []Flag {
	rated := prev != nil && dt > 0 && dt >= th.MinInterval
	var flags []Flag
	for i := range ix.Pools {
		p := &ix.Pools[i]
		if rated {
			blockingBefore := 0
			if pp := prev.Pool(p.Local, p.Remote); pp != nil {
				p.TimeWaitBefore = pp.States.Of(model.StateTimeWait)
				p.InUseBefore, blockingBefore = pp.InUse, pp.Blocking()
			}
			if grew := p.States.Of(model.StateTimeWait) - p.TimeWaitBefore; grew > 0 {
				p.TimeWaitRate = float64(grew) / dt.Seconds()
			}
			p.Growth = float64(p.InUse-p.InUseBefore) / dt.Seconds()
			p.BlockingGrowth = float64(p.Blocking()-blockingBefore) / dt.Seconds()
		}
		if ix.Busiest < 0 || busier(p, &ix.Pools[ix.Busiest]) {
			ix.Busiest = i
		}
		d := &ix.Dests[p.Dest]
		if d.Pool < 0 || busier(p, &ix.Pools[d.Pool]) {
			d.Pool = i
			d.PoolInUse, d.PoolUsable, d.PoolTimeWait = p.InUse, p.Usable, p.States.Of(model.StateTimeWait)
		}
		flags = poolFlags(flags, p, dt, th)
	}
	return flags
}

// closeWaitTrends carries the CLOSE_WAIT trend of the endpoints closeWait
// on from prev's rows, and appends their flags to flags.
func (ix *DestIndex) closeWaitTrends(flags []Flag, closeWait []int32, prev *DestIndex, th *Thresholds) []Flag {
	for _, di := range closeWait {
		d := &ix.Dests[di]
		cw := d.States.Of(model.StateCloseWait)
		if prev == nil {
			d.CloseWaitFrom = cw
		} else {
			// An endpoint the previous sample lacks had none in CLOSE_WAIT.
			before, samples, from := 0, 0, 0
			if pd := prev.Lookup(d.Proto, d.Remote); pd != nil {
				before, samples, from = pd.States.Of(model.StateCloseWait), pd.CloseWaitSamples, pd.CloseWaitFrom
			}
			if cw < before {
				d.CloseWaitFrom = cw // a fall starts a new stretch here
			} else {
				d.CloseWaitSamples, d.CloseWaitFrom = samples+1, from
			}
		}
		flags = closeWaitFlags(flags, d, th)
	}
	return flags
}

// setFlags keeps flags as Flags, one slice for every flag, endpoint by
// endpoint, each endpoint's flags in kind order, and gives each endpoint
// its part of it.
func (ix *DestIndex) setFlags(flags []Flag) {
	destOf := func(f *Flag) int32 { return ix.findDest(f.Proto, f.Remote, destHash(f.Proto, f.Remote)) }
	slices.SortStableFunc(flags, func(a, b Flag) int {
		da, db := destOf(&a), destOf(&b)
		if da != db {
			return int(da - db)
		}
		return int(a.Kind) - int(b.Kind)
	})
	ix.Flags = flags
	for lo := 0; lo < len(flags); {
		di := destOf(&flags[lo])
		hi := lo + 1
		for hi < len(flags) && flags[hi].Remote == flags[lo].Remote && flags[hi].Proto == flags[lo].Proto {
			hi++
		}
		ix.Dests[di].Flags = flags[lo:hi:hi]
		lo = hi
	}
}

// busier reports whether pool a is busier than b: a higher utilisation
// (the share of its usable ports connect() cannot take), then more
// blocking ports, then, for an order that holds from sample to sample,
// the lower local address, then the lower remote endpoint. Ports in use
// that tcp_tw_reuse lets connect() take over make no pool busier.
func busier(a, b *PortPool) bool {
	// a.Blocking/a.Usable against b.Blocking/b.Usable, in whole numbers.
	if l, r := a.Blocking()*max(b.Usable, 1), b.Blocking()*max(a.Usable, 1); l != r {
		return l > r
	}
	if a.Blocking() != b.Blocking() {
		return a.Blocking() > b.Blocking()
	}
	if c := a.Local.Compare(b.Local); c != 0 {
		return c < 0
	}
	return a.Remote.Compare(b.Remote) < 0
}

// keepWorstPerEndpoint keeps, of the pool flags of one kind about one
// remote endpoint (several local addresses), the most severe, then the
// one with the highest count. Flags are few: only flagged pools have any.
func keepWorstPerEndpoint(flags []Flag) []Flag {
	out := flags[:0]
	for _, f := range flags {
		dup := false
		for j := range out {
			o := &out[j]
			if o.Kind == f.Kind && o.Remote == f.Remote {
				dup = true
				if f.Severity > o.Severity || f.Severity == o.Severity && f.Count > o.Count {
					*o = f
				}
				break
			}
		}
		if !dup {
			out = append(out, f)
		}
	}
	return out
}
