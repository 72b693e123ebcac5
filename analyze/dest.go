package analyze

import (
	"math/bits"
	"net/netip"
	"slices"
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
	// ephemeral port pool (most ports in use), or -1 when no socket to it
	// has a local port from the ephemeral range. PoolInUse, PoolUsable and
	// PoolTimeWait are that pool's figures, 0 without one.
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
	// of InUse per second since then; both 0 under the same conditions as
	// TimeWaitBefore. Growth may be negative.
	InUseBefore int
	Growth      float64
	// Dest is the index of the pool's remote endpoint in DestIndex.Dests.
	Dest int
	// TimeWaitBefore is the pool's TIME_WAIT count in the previous sample
	// (0 when it was not there), and TimeWaitRate its growth per second
	// since then. Both are 0 without a previous sample, or when the
	// samples are closer than Thresholds.MinInterval; the rate is 0 when
	// the count did not grow.
	TimeWaitBefore int
	TimeWaitRate   float64
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
	// Busiest is the index in Pools of the pool with the most ports in
	// use (then the most TIME_WAIT), or -1 when there is none.
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

// BusiestPool is the pool with the most ports in use, or nil.
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
	eph := ix.Ephemeral
	pooled := eph != (model.PortRange{}) && eph.Size() > 0

	// Ports connect() will not pick: reserved ones, and those a bind()
	// holds. Sockets on them are no pool's (an accepted connection on a
	// listener's port in the range, say).
	var taken portSet
	if pooled {
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
	settings := &snap.Host.Settings
	lowParity := eph.Lo & 1
	var second []int32 // pooled sockets on ports of the parity connect() takes second
	var lowInUse []int32

	hint := 64
	if prev != nil {
		hint = len(prev.Dests) + len(prev.Dests)/8
	}
	ix.Dests = make([]Destination, 0, hint)
	ix.dests.init(hint)
	ix.pools.init(16)
	var closeWait []int32 // the endpoints with CLOSE_WAIT sockets

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
			closeWait = append(closeWait, di)
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
			lowInUse = append(lowInUse, 0)
			if ix.pools.full() {
				ix.growPools()
			} else {
				ix.pools.add(h, pi)
			}
		}
		p := &ix.Pools[pi]
		p.States.Add(s.State)
		p.InUse++
		switch {
		case lp&1 == lowParity:
			lowInUse[pi]++
		case s.State != model.StateTimeWait:
			// A TIME_WAIT socket on the second parity is no evidence:
			// its pool's first-parity sockets, made before it when the
			// pool ran full, expire before it does.
			second = append(second, int32(i))
		}
	}
	if len(second) > 0 {
		ix.findBound(snap, second, lowInUse, &taken)
	}
	for i := range ix.Pools {
		p := &ix.Pools[i]
		p.Usable = ix.Usable
		if settings.TwReuseFor(p.Local, p.Remote.Addr()) {
			p.TimeWaitReusable = p.States.Of(model.StateTimeWait)
		}
	}

	rated := prev != nil && dt > 0 && dt >= th.MinInterval
	var flags []Flag
	for i := range ix.Pools {
		p := &ix.Pools[i]
		if rated {
			if pp := prev.Pool(p.Local, p.Remote); pp != nil {
				p.TimeWaitBefore = pp.States.Of(model.StateTimeWait)
				p.InUseBefore = pp.InUse
			}
			if grew := p.States.Of(model.StateTimeWait) - p.TimeWaitBefore; grew > 0 {
				p.TimeWaitRate = float64(grew) / dt.Seconds()
			}
			p.Growth = float64(p.InUse-p.InUseBefore) / dt.Seconds()
		}
		if ix.Busiest < 0 || busier(p, &ix.Pools[ix.Busiest]) {
			ix.Busiest = i
		}
		d := &ix.Dests[p.Dest]
		if d.Pool < 0 || busier(p, &ix.Pools[d.Pool]) {
			d.Pool = i
			d.PoolInUse, d.PoolUsable, d.PoolTimeWait = p.InUse, p.Usable, p.States.Of(model.StateTimeWait)
		}
		flags = poolFlags(flags, p, dt, &th)
	}
	// The pools' flags, at most one of each kind per endpoint: its worst pool's.
	flags = keepWorstPerEndpoint(flags)

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
		flags = closeWaitFlags(flags, d, &th)
	}

	// One slice for every flag, endpoint by endpoint, each endpoint's
	// flags in kind order.
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
	return ix
}

// busier reports whether pool a has more ports in use than b, or as many
// and more of them in TIME_WAIT.
func busier(a, b *PortPool) bool {
	if a.InUse != b.InUse {
		return a.InUse > b.InUse
	}
	return a.States.Of(model.StateTimeWait) > b.States.Of(model.StateTimeWait)
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

// slotTable maps keys to indexes in a slice that holds the keys (Dests,
// Pools): open addressing with linear probing over 4-byte slots, so that a
// table for 100,000 endpoints stays in a core's cache. A slot of a table
// of 2^k holds the index plus one in its low k bits (0 is empty) and a
// fingerprint of the key's hash above them. Go's maps hash a struct key
// field by field, which cost more per socket than all the counting
// (BenchmarkDestinations).
type slotTable struct {
	slots []uint32
	k     uint // len(slots) is 1<<k
	n     int
}

func (t *slotTable) init(hint int) {
	t.k = 4
	for 1<<t.k < 2*hint {
		t.k++
	}
	t.slots, t.n = make([]uint32, 1<<t.k), 0
}

// full reports whether one more entry needs a bigger table: the index
// plus one must fit in k bits, and probes stay short below half full.
func (t *slotTable) full() bool { return 2*(t.n+1) > len(t.slots) }

// start is where the probe for hash h starts, and the fingerprint its
// slot carries.
func (t *slotTable) start(h uint64) (pos, fp uint32) {
	return uint32(h>>32) & (1<<t.k - 1), uint32(h) >> t.k << t.k
}

// add records index i for a key with hash h, which must not be there yet
// and, the table not full.
func (t *slotTable) add(h uint64, i int32) {
	mask := uint32(len(t.slots) - 1)
	pos, fp := t.start(h)
	for t.slots[pos] != 0 {
		pos = (pos + 1) & mask
	}
	t.slots[pos] = fp | uint32(i+1)
	t.n++
}

// growDests and growPools double a table, hashing its keys again.
func (ix *DestIndex) growDests() {
	ix.dests.init(len(ix.dests.slots))
	for i := range ix.Dests {
		d := &ix.Dests[i]
		ix.dests.add(destHash(d.Proto, d.Remote), int32(i))
	}
}

func (ix *DestIndex) growPools() {
	ix.pools.init(len(ix.pools.slots))
	for i := range ix.Pools {
		p := &ix.Pools[i]
		ix.pools.add(poolHash(p.Local, p.Remote), int32(i))
	}
}

// find returns the index held for hash h whose entry is (is(i)), or -1:
// the probe both tables share.
func (t *slotTable) find(h uint64, is func(i int32) bool) int32 {
	if len(t.slots) == 0 {
		return -1
	}
	mask := uint32(len(t.slots) - 1)
	for pos, fp := t.start(h); ; pos = (pos + 1) & mask {
		e := t.slots[pos]
		if e == 0 {
			return -1
		}
		if i := int32(e&mask) - 1; e&^mask == fp && is(i) {
			return i
		}
	}
}

// findDest returns the index of endpoint p/remote, whose hash is h, or -1.
func (ix *DestIndex) findDest(p model.Proto, remote netip.AddrPort, h uint64) int32 {
	return ix.dests.find(h, func(i int32) bool { d := &ix.Dests[i]; return d.Remote == remote && d.Proto == p })
}

// findPool returns the index of the pool from local to remote, whose hash
// is h, or -1.
func (ix *DestIndex) findPool(local netip.Addr, remote netip.AddrPort, h uint64) int32 {
	return ix.pools.find(h, func(i int32) bool { p := &ix.Pools[i]; return p.Remote == remote && p.Local == local })
}

// destHash hashes a remote endpoint. The zone of a link-local address is
// left out: equal keys still hash equal, and the comparison tells zones
// apart.
func destHash(p model.Proto, ap netip.AddrPort) uint64 {
	a := ap.Addr()
	if a.Is4() {
		b := a.As4()
		return mix(uint64(b[0])<<56|uint64(b[1])<<48|uint64(b[2])<<40|uint64(b[3])<<32|
			uint64(ap.Port())<<16|uint64(p), 0)
	}
	b := a.As16()
	return mix(le64(b[:8]), le64(b[8:])^uint64(ap.Port())<<32^uint64(p)<<48)
}

// poolHash hashes a pool's key.
func poolHash(local netip.Addr, remote netip.AddrPort) uint64 {
	if local.Is4() && remote.Addr().Is4() {
		l, r := local.As4(), remote.Addr().As4()
		return mix(uint64(l[0])<<24|uint64(l[1])<<16|uint64(l[2])<<8|uint64(l[3]),
			uint64(r[0])<<56|uint64(r[1])<<48|uint64(r[2])<<40|uint64(r[3])<<32|uint64(remote.Port()))
	}
	l, r := local.As16(), remote.Addr().As16()
	return mix(le64(l[:8])^le64(r[8:]), le64(l[8:])^le64(r[:8])*0x9e3779b97f4a7c15^uint64(remote.Port()))
}

// mix is wyhash's mixing step: the two halves of a 128-bit product.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a^0xa0761d6478bd642f, b^0xe7037ed1a0b428db)
	return hi ^ lo
}

func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// findBound tells apart, among the pooled sockets on ports of the parity
// connect() takes second (second, indexes into snap.Sockets), those that
// bind() put there (BindPool), takes them out of their pools, and their
// ports out of U. lowInUse counts each pool's sockets on ports of the
// first parity.
func (ix *DestIndex) findBound(snap *model.Snapshot, second, lowInUse []int32, taken *portSet) {
	eph := ix.Ephemeral
	lowCap := 0 // the ports of the first parity connect() may pick
	for p := int(eph.Lo); p <= int(eph.Hi); p += 2 {
		if !taken.has(uint16(p)) {
			lowCap++
		}
	}
	var bound portSet
	newly := 0
	for _, si := range second {
		s := &snap.Sockets[si]
		local := s.Local.Addr()
		pi := ix.findPool(local, s.Remote, poolHash(local, s.Remote))
		if int(lowInUse[pi])*10 >= lowCap*9 {
			continue // connect() may have moved on to this parity
		}
		p := &ix.Pools[pi]
		p.States[model.StateSlot(s.State)]--
		p.InUse--
		p.Bound++
		if lp := s.Local.Port(); !bound.has(lp) {
			bound.add(lp)
			newly++
		}
		bi := slices.IndexFunc(ix.BindPools, func(b BindPool) bool { return b.Local == local })
		if bi < 0 {
			bi = len(ix.BindPools)
			ix.BindPools = append(ix.BindPools, BindPool{Local: local})
		}
		ix.BindPools[bi].States.Add(s.State)
		ix.BindPools[bi].Sockets++
	}
	if newly == 0 {
		return
	}
	// bind(0) on an address cannot take a port any socket from that
	// address holds, whatever its destination.
	used := make([]portSet, len(ix.BindPools))
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		lp := s.Local.Port()
		if s.Proto != model.ProtoTCP || !eph.Contains(lp) || taken.has(lp) || s.State == model.StateListen || s.State == model.StateBoundInactive {
			continue
		}
		for bi := range ix.BindPools {
			if ix.BindPools[bi].Local == s.Local.Addr() {
				used[bi].add(lp)
			}
		}
	}
	for bi := range ix.BindPools {
		b := &ix.BindPools[bi]
		b.InUse = used[bi].countIn(eph.Lo, eph.Hi)
		b.Usable = ix.Usable
	}
	for w := range bound {
		taken[w] |= bound[w]
	}
	ix.Usable -= newly
}
