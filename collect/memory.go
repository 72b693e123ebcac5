package collect

import "github.com/conntab/conntab/model"

// ownerMemory remembers, across the snapshots of one session (a dashboard,
// a watch), which processes held each connection the last time its socket
// still had an inode. A TIME_WAIT socket, or an orphaned one, has no file
// and so no owner the /proc walk can find; the connection it was is the
// same 4-tuple, and its owner is remembered.
//
// A dashboard applies it to 130,000 sockets every second, so it allocates
// little: connections are known by their socket cookie, which a TIME_WAIT
// socket keeps from the connection it was (a uint64 hashes far faster
// than a 4-tuple; /proc, which has no cookies, falls back to the tuple);
// the maps of two snapshots take turns, cleared with their buckets kept;
// and a live socket's owners are kept as the snapshot's own slice, turned
// into former owners only when a socket without an inode asks for them.
type ownerMemory struct {
	cur, spare memoryMaps
}

type memoryMaps struct {
	cookies map[uint64][]model.Owner
	tuples  map[model.TupleKey][]model.Owner
}

func (mm *memoryMaps) reset(size int) {
	if mm.cookies == nil {
		mm.cookies = make(map[uint64][]model.Owner, size)
		mm.tuples = map[model.TupleKey][]model.Owner{}
		return
	}
	clear(mm.cookies)
	clear(mm.tuples)
}

func (mm *memoryMaps) get(s *model.Socket) ([]model.Owner, bool) {
	if s.Cookie != 0 {
		o, ok := mm.cookies[s.Cookie]
		return o, ok
	}
	o, ok := mm.tuples[s.Key()]
	return o, ok
}

func (mm *memoryMaps) put(s *model.Socket, owners []model.Owner) {
	if s.Cookie != 0 {
		mm.cookies[s.Cookie] = owners
		return
	}
	mm.tuples[s.Key()] = owners
}

// apply fills snap.Former from memory for the sockets without an inode,
// and returns the memory for the next snapshot: this one's owners, and
// the former owners still in use.
func (m ownerMemory) apply(snap *model.Snapshot) ownerMemory {
	next := m.spare
	next.reset(len(m.cur.cookies))
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		if s.Inode != 0 {
			if owners := snap.Owners.Of(s.Inode); len(owners) > 0 {
				next.put(s, owners)
			}
			continue
		}
		former, ok := m.cur.get(s)
		if !ok {
			continue
		}
		if !former[0].Former {
			former = asFormer(former)
		}
		if snap.Former == nil {
			snap.Former = map[model.TupleKey][]model.Owner{}
		}
		snap.Former[s.Key()] = former
		next.put(s, former)
	}
	return ownerMemory{cur: next, spare: m.cur}
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
