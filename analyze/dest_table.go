package analyze

import (
	"math/bits"
	"net/netip"

	"github.com/conntab/conntab/model"
)

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
