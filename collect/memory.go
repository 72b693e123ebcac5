package collect

import "github.com/conntab/conntab/model"

// ownerMemory remembers, across the snapshots of one session (a dashboard,
// a watch), which processes held each connection the last time its socket
// still had an inode. A TIME_WAIT socket, or an orphaned one, has no file
// and so no owner the /proc walk can find; the connection it was is the
// same 4-tuple, and its owner is remembered.
//
// A dashboard applies it to a million sockets every second, so it looks
// nothing up per socket: connections are known by their socket cookie,
// which a TIME_WAIT socket keeps from the connection it was; the last
// snapshot's cookies are kept sorted, each with its socket's inode (its
// owners are found in the last snapshot's Owners only when a socket
// without an inode asks for them) or its former owners; and the sockets
// without an inode, sorted by cookie too, are merged with them. A map of
// a million cookies to their owners cost a second of CPU a sample; the
// radix sorts, tens of milliseconds. /proc, which has no cookies, falls
// back to a map by 4-tuple.
type ownerMemory struct {
	// owners are the last snapshot's; its sockets' inodes index them.
	owners *model.Owners
	// cookies are the last snapshot's sockets that have a cookie and an
	// inode or former owners, sorted by cookie.
	cookies []remembered
	// former holds the former owners that cookies point at.
	former [][]model.Owner
	// tuples are the owners of the last snapshot's sockets without a
	// cookie, by 4-tuple; nil when it had none.
	tuples map[model.TupleKey][]model.Owner
	// spare and tmp are buffers for the next snapshot's cookies, asks and
	// asksTmp for its sockets without an inode, spareFormer for its former
	// owners: a million sockets' worth is tens of megabytes a sample.
	spare, tmp, asks, asksTmp []remembered
	spareFormer               [][]model.Owner
}

// remembered is a socket of the last snapshot: its cookie, and its inode
// or, with formerRef set, the index of its former owners.
type remembered struct {
	cookie, ref uint64
}

// formerRef marks a remembered ref as an index into ownerMemory.former.
// Socket inodes are 32-bit numbers (get_next_ino).
const formerRef = 1 << 63

// apply fills snap.Former from memory for the sockets without an inode,
// and returns the memory for the next snapshot: this one's owners, and
// the former owners still in use.
func (m ownerMemory) apply(snap *model.Snapshot) ownerMemory {
	clear(m.spareFormer)
	next := ownerMemory{owners: snap.Owners, cookies: m.spare[:0], tmp: m.tmp, former: m.spareFormer[:0], spareFormer: m.former}
	asks := m.asks[:0] // the sockets without an inode: cookie, index
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		switch {
		case s.Cookie == 0:
			next.tuples = m.applyTuple(snap, s, next.tuples)
		case s.Inode != 0:
			next.cookies = append(next.cookies, remembered{s.Cookie, s.Inode})
		default:
			asks = append(asks, remembered{s.Cookie, uint64(i)})
		}
	}
	if cap(m.asksTmp) < len(asks) {
		m.asksTmp = make([]remembered, len(asks))
	}
	asks, next.asksTmp = sortRemembered(asks, m.asksTmp[:len(asks)])
	next.asks = asks
	j := 0
	for k, a := range asks {
		for j < len(m.cookies) && m.cookies[j].cookie < a.cookie {
			j++
		}
		if j == len(m.cookies) || m.cookies[j].cookie != a.cookie {
			continue
		}
		former := m.formerOwners(m.cookies[j].ref)
		if former == nil {
			continue
		}
		s := &snap.Sockets[a.ref]
		if snap.Former == nil {
			// Most TIME_WAIT sockets were seen with owners: a map
			// grown a doubling at a time would be copied some
			// twenty times on its way to a few hundred thousand.
			snap.Former = make(map[model.TupleKey][]model.Owner, len(asks)-k)
		}
		snap.Former[s.Key()] = former
		next.cookies = append(next.cookies, remembered{a.cookie, formerRef | uint64(len(next.former))})
		next.former = append(next.former, former)
	}
	if cap(next.tmp) < len(next.cookies) {
		next.tmp = make([]remembered, len(next.cookies))
	}
	next.cookies, next.tmp = sortRemembered(next.cookies, next.tmp[:len(next.cookies)])
	next.spare = m.cookies
	return next
}

// formerOwners are the owners a remembered ref names, as former owners,
// or nil when it names none.
func (m ownerMemory) formerOwners(ref uint64) []model.Owner {
	if ref&formerRef != 0 {
		return m.former[ref&^formerRef]
	}
	if owners := m.owners.Of(ref); len(owners) > 0 {
		return asFormer(owners)
	}
	return nil
}

// applyTuple is apply for s, a socket without a cookie (read from /proc):
// a socket without an inode is given the owners its 4-tuple had, and
// its owners, or those, are remembered in next, which it returns.
func (m ownerMemory) applyTuple(snap *model.Snapshot, s *model.Socket, next map[model.TupleKey][]model.Owner) map[model.TupleKey][]model.Owner {
	owners := snap.Owners.Of(s.Inode)
	if s.Inode == 0 {
		former, ok := m.tuples[s.Key()]
		if !ok {
			return next
		}
		if !former[0].Former {
			former = asFormer(former)
		}
		if snap.Former == nil {
			snap.Former = map[model.TupleKey][]model.Owner{}
		}
		snap.Former[s.Key()] = former
		owners = former
	}
	if len(owners) == 0 {
		return next
	}
	if next == nil {
		next = map[model.TupleKey][]model.Owner{}
	}
	next[s.Key()] = owners
	return next
}

// asFormer copies a live socket's owners as former ones: no inode, marked
// Former.
func asFormer(owners []model.Owner) []model.Owner {
	former := make([]model.Owner, len(owners))
	for j, o := range owners {
		o.Inode, o.Former = 0, true
		former[j] = o
	}
	return former
}

// sortRemembered sorts a by cookie, as model.SortInodes sorts inodes: by
// LSD radix, skipping the bytes in which every cookie agrees; tmp must be
// as long as a. It returns the result and the other buffer.
func sortRemembered(a, tmp []remembered) (sorted, scratch []remembered) {
	var or, and uint64 = 0, ^uint64(0)
	for _, r := range a {
		or |= r.cookie
		and &= r.cookie
	}
	differ := or ^ and
	var count [256]int
	for shift := uint(0); shift < 64; shift += 8 {
		if (differ>>shift)&0xff == 0 {
			continue
		}
		clear(count[:])
		for _, r := range a {
			count[(r.cookie>>shift)&0xff]++
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, r := range a {
			d := (r.cookie >> shift) & 0xff
			tmp[count[d]] = r
			count[d]++
		}
		a, tmp = tmp, a
	}
	return a, tmp
}
