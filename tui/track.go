package tui

import (
	"encoding/binary"
	"hash/maphash"
	"net/netip"
	"slices"
	"time"

	"github.com/conntab/conntab/model"
)

// A tracker follows sockets from sample to sample, as TCPView does: which
// appeared lately, which changed state lately, and which are gone but
// linger a few seconds, dimmed. It is immutable: next builds a new one, so
// it can run in a tea.Cmd off the UI goroutine while the dashboard still
// draws the old one.
type tracker struct {
	snap *model.Snapshot
	// seen is one entry per socket of snap, sorted by id.
	seen []seen
	// marks is aligned with snap.Sockets.
	marks []mark
	// ghosts are sockets that were in an earlier sample and are not in
	// this one, newest last.
	ghosts []ghost
	seed   maphash.Seed
}

type seen struct {
	id    uint64
	i     int32 // index in the tracker's snapshot
	state model.State
}

// mark is what the dashboard knows of one socket's history. Times are
// sample times; zero means "not in this session" (the first sample marks
// nothing as new).
type mark struct {
	first   stamp // first seen
	changed stamp // last state change
	from    model.State
}

// stamp is a sample time in Unix nanoseconds, 0 for none: a third of a
// time.Time's size, and there is one per socket per sample.
type stamp int64

func stampOf(t time.Time) stamp { return stamp(t.UnixNano()) }

// time is the stamp as a time in loc.
func (s stamp) time(loc *time.Location) time.Time { return time.Unix(0, int64(s)).In(loc) }

// ghost is a socket that is gone, with the processes that held it when
// it was last seen. It keeps no snapshot alive: at 130k sockets each is
// tens of megabytes.
type ghost struct {
	sock   model.Socket
	mark   mark
	closed time.Time
	owners []model.Owner
}

// socketID identifies a socket across samples: the kernel's cookie, or,
// from /proc which has none, a hash of protocol, endpoints and inode.
func socketID(seed maphash.Seed, s *model.Socket) uint64 {
	if s.Cookie != 0 {
		return s.Cookie
	}
	var b [2 + 2*18 + 8]byte
	buf := append(b[:0], byte(s.Proto), byte(s.Family))
	buf = appendAddrPort(buf, s.Local)
	buf = appendAddrPort(buf, s.Remote)
	buf = binary.LittleEndian.AppendUint64(buf, s.Inode)
	return maphash.Bytes(seed, buf)
}

func appendAddrPort(b []byte, ap netip.AddrPort) []byte {
	a := ap.Addr().As16()
	b = append(b, a[:]...)
	return binary.LittleEndian.AppendUint16(b, ap.Port())
}

// next returns the tracker for snap, taken at now. Sockets gone since the
// last sample linger for linger.
func (t *tracker) next(snap *model.Snapshot, now time.Time, linger time.Duration) *tracker {
	n := &tracker{snap: snap, seed: t.seed}
	socks := snap.Sockets
	n.seen = make([]seen, len(socks))
	for i := range socks {
		n.seen[i] = seen{id: socketID(n.seed, &socks[i]), i: int32(i), state: socks[i].State}
	}
	slices.SortFunc(n.seen, func(a, b seen) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	n.marks = make([]mark, len(socks))
	first := t.snap == nil
	var prevMarks []mark
	if !first {
		prevMarks = t.marks
	}
	// Merge the two sorted lists: matched sockets carry their marks on,
	// new ones are marked new, unmatched old ones become ghosts.
	old := t.seen
	j := 0
	for _, s := range n.seen {
		for j < len(old) && old[j].id < s.id {
			n.ghosts = append(n.ghosts, t.bury(old[j], now))
			j++
		}
		m := &n.marks[s.i]
		if j < len(old) && old[j].id == s.id {
			*m = prevMarks[old[j].i]
			if old[j].state != s.state {
				m.changed, m.from = stampOf(now), old[j].state
			}
			j++
			continue
		}
		if !first {
			m.first = stampOf(now)
		}
	}
	for ; j < len(old); j++ {
		n.ghosts = append(n.ghosts, t.bury(old[j], now))
	}
	// Older ghosts linger on until their time is up.
	keep := t.ghosts[:0:0]
	for _, g := range t.ghosts {
		if now.Sub(g.closed) < linger {
			keep = append(keep, g)
		}
	}
	n.ghosts = append(keep, n.ghosts...)
	if linger <= 0 {
		n.ghosts = nil
	}
	return n
}

func (t *tracker) bury(s seen, now time.Time) ghost {
	sock := &t.snap.Sockets[s.i]
	return ghost{sock: *sock, mark: t.marks[s.i], closed: now, owners: slices.Clone(t.snap.OwnersOf(sock))}
}

// len is the number of sockets the tracker shows: the snapshot's and the
// ghosts.
func (t *tracker) len() int {
	if t.snap == nil {
		return 0
	}
	return len(t.snap.Sockets) + len(t.ghosts)
}

// socket returns socket i of the tracker: the snapshot's first, then the
// ghosts.
func (t *tracker) socket(i int32) *model.Socket {
	if n := int32(len(t.snap.Sockets)); i >= n {
		return &t.ghosts[i-n].sock
	}
	return &t.snap.Sockets[i]
}

// ghost returns the ghost at i, or nil when socket i is alive.
func (t *tracker) ghost(i int32) *ghost {
	if n := int32(len(t.snap.Sockets)); i >= n {
		return &t.ghosts[i-n]
	}
	return nil
}

// mark returns socket i's marks.
func (t *tracker) mark(i int32) mark {
	if g := t.ghost(i); g != nil {
		return g.mark
	}
	return t.marks[i]
}

// snapshotOf is where socket i's owners are looked up: the snapshot, or
// for a ghost a snapshot of its own that holds only its owners.
func (t *tracker) snapshotOf(i int32) *model.Snapshot {
	g := t.ghost(i)
	if g == nil {
		return t.snap
	}
	if g.sock.Inode != 0 {
		return &model.Snapshot{Owners: model.NewOwners(slices.Clone(g.owners), 0)}
	}
	return &model.Snapshot{Former: map[model.TupleKey][]model.Owner{g.sock.Key(): g.owners}}
}

// newTracker returns the tracker before the first sample.
func newTracker() *tracker { return &tracker{seed: maphash.MakeSeed()} }
