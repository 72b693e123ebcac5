package analyze

import (
	"slices"

	"github.com/conntab/conntab/model"
)

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
