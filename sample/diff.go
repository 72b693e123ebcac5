package sample

import (
	"encoding/binary"
	"hash/maphash"
	"net/netip"
	"slices"
	"time"

	"github.com/conntab/conntab/model"
)

// A Diff follows sockets from sample to sample, as TCPView does: which
// appeared lately, which changed state lately, and which are gone but
// linger a few seconds, dimmed. It is immutable: Next builds a new one, so
// it can run in a tea.Cmd off the UI goroutine while the dashboard still
// draws the old one.
type Diff struct {
	Snap *model.Snapshot
	// seen is one entry per socket of snap, sorted by id.
	seen []seen
	// marks is aligned with snap.Sockets.
	marks []Mark
	// ghosts are sockets that were in an earlier sample and are not in
	// this one, newest last.
	ghosts []Ghost
	Seed   maphash.Seed
}

type seen struct {
	id    uint64
	i     int32 // index in the Diff's snapshot
	state model.State
}

// Mark is what the dashboard knows of one socket's history. Times are
// sample times; zero means "not in this session" (the first sample marks
// nothing as new).
type Mark struct {
	First   Stamp // first seen
	Changed Stamp // last state change
	From    model.State
}

// Stamp is a sample time in Unix nanoseconds, 0 for none: a third of a
// time.Time's size, and there is one per socket per sample.
type Stamp int64

// StampOf is t as a Stamp.
func StampOf(t time.Time) Stamp { return Stamp(t.UnixNano()) }

// Time is the Stamp as a time in loc.
func (s Stamp) Time(loc *time.Location) time.Time { return time.Unix(0, int64(s)).In(loc) }

// Ghost is a socket that is gone, with the processes that held it when
// it was last seen. It keeps no snapshot alive: at 130k sockets each is
// tens of megabytes.
type Ghost struct {
	Sock   model.Socket
	Mark   Mark
	Closed time.Time
	Owners []model.Owner
}

// SocketID identifies a socket across samples: the kernel's cookie, or,
// from /proc which has none, a hash of protocol, endpoints and inode.
func SocketID(seed maphash.Seed, s *model.Socket) uint64 {
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

// Next returns the Diff for snap, taken at now. Sockets gone since the
// last sample linger for linger.
func (t *Diff) Next(snap *model.Snapshot, now time.Time, linger time.Duration) *Diff {
	n := &Diff{Snap: snap, Seed: t.Seed}
	socks := snap.Sockets
	n.seen = make([]seen, len(socks))
	for i := range socks {
		n.seen[i] = seen{id: SocketID(n.Seed, &socks[i]), i: int32(i), state: socks[i].State}
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
	n.marks = make([]Mark, len(socks))
	first := t.Snap == nil
	var prevMarks []Mark
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
				m.Changed, m.From = StampOf(now), old[j].state
			}
			j++
			continue
		}
		if !first {
			m.First = StampOf(now)
		}
	}
	for ; j < len(old); j++ {
		n.ghosts = append(n.ghosts, t.bury(old[j], now))
	}
	// Older ghosts linger on until their time is up.
	keep := t.ghosts[:0:0]
	for _, g := range t.ghosts {
		if now.Sub(g.Closed) < linger {
			keep = append(keep, g)
		}
	}
	n.ghosts = append(keep, n.ghosts...)
	if linger <= 0 {
		n.ghosts = nil
	}
	return n
}

func (t *Diff) bury(s seen, now time.Time) Ghost {
	sock := &t.Snap.Sockets[s.i]
	return Ghost{Sock: *sock, Mark: t.marks[s.i], Closed: now, Owners: slices.Clone(t.Snap.OwnersOf(sock))}
}

// Len is the number of sockets the Diff shows: the snapshot's and the
// ghosts.
func (t *Diff) Len() int {
	if t.Snap == nil {
		return 0
	}
	return len(t.Snap.Sockets) + len(t.ghosts)
}

// Socket returns socket i of the Diff: the snapshot's first, then the
// ghosts.
func (t *Diff) Socket(i int32) *model.Socket {
	if n := int32(len(t.Snap.Sockets)); i >= n {
		return &t.ghosts[i-n].Sock
	}
	return &t.Snap.Sockets[i]
}

// Ghost returns the ghost at i, or nil when socket i is alive.
func (t *Diff) Ghost(i int32) *Ghost {
	if n := int32(len(t.Snap.Sockets)); i >= n {
		return &t.ghosts[i-n]
	}
	return nil
}

// Mark returns socket i's marks.
func (t *Diff) Mark(i int32) Mark {
	if g := t.Ghost(i); g != nil {
		return g.Mark
	}
	return t.marks[i]
}

// SnapshotOf is where socket i's owners are looked up: the snapshot, or
// for a ghost a snapshot of its own that holds only its owners.
func (t *Diff) SnapshotOf(i int32) *model.Snapshot {
	g := t.Ghost(i)
	if g == nil {
		return t.Snap
	}
	if g.Sock.Inode != 0 {
		return &model.Snapshot{Owners: model.NewOwners(slices.Clone(g.Owners), 0)}
	}
	return &model.Snapshot{Former: map[model.TupleKey][]model.Owner{g.Sock.Key(): g.Owners}}
}

// NewDiff returns the Diff before the first sample.
func NewDiff() *Diff { return &Diff{Seed: maphash.MakeSeed()} }
