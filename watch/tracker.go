package watch

import (
	"cmp"
	"slices"
	"time"

	"github.com/conntab/conntab/model"
)

// Tracker turns samples of one namespace's sockets, and the kernel's
// destroy messages, into events. It does no I/O and keeps no clock: Run
// feeds it, tests call it. The zero value takes closes from samples
// alone.
type Tracker struct {
	// Destroys says the kernel's destroy messages reach the tracker
	// (Destroy): then a socket that a sample no longer holds, or holds in
	// TIME_WAIT, is closed by the samples only when no destroy message
	// came for it within graceSamples samples (one was lost).
	Destroys bool
	// Traced says the tracepoint's records reach the tracker (Record):
	// then a TCP connection a sample finds new waits one sample for its
	// record (Record), which opens it at the kernel's time, before the samples
	// open it.
	Traced bool
	socks  map[key]*entry
	// callers are the tasks that called connect(), by cookie, until the
	// tracepoint sees the connection established.
	callers map[uint64]model.Owner
	gen     uint64
	started bool
}

// graceSamples is how many samples a destroy message has to arrive in
// after a sample found its socket gone: the kernel sends it from a work
// queue, within milliseconds.
const graceSamples = 2

// key identifies a socket across samples: the kernel's cookie, which a
// TIME_WAIT minisocket keeps from its connection; without cookies (/proc),
// the 5-tuple, with the inode for listeners and unconnected sockets,
// which can share a tuple (SO_REUSEPORT).
type key struct {
	cookie uint64
	tuple  model.TupleKey
	inode  uint64
}

func keyOf(s *model.Socket) key {
	if s.Cookie != 0 {
		return key{cookie: s.Cookie}
	}
	k := key{tuple: s.Key()}
	if s.State == model.StateListen || s.State == model.StateUnconn {
		k.inode = s.Inode
	}
	return k
}

// entry is what the tracker knows of one socket.
type entry struct {
	sock   model.Socket
	owners []model.Owner
	// opened is the end of the dump that first held it (it was open
	// then); zero when it was there before the watch began. alive is the
	// start of the last dump that held it open, not in TIME_WAIT (it was
	// open after).
	opened, alive time.Time
	// seen is the last sample that held it; pending the sample that
	// found it gone or in TIME_WAIT, while a destroy message may still
	// come (0: none).
	seen, pending uint64
	closed        bool
	closedAt      time.Time
	// ended is the kernel's time of its change to CLOSE, where the
	// tracepoint saw it: a destroy message, sent once the socket is
	// freed (after an RCU grace period), ends its lifetime there.
	ended time.Time
	// traced: the tracepoint saw it open. wait is its destroy message,
	// held until the tracepoint's change to CLOSE ends its lifetime
	// (Record), or the sample after waitGen gives up on it.
	traced  bool
	wait    *destroyed
	waitGen uint64
	// deferred: a sample found it new and its open waits for the
	// tracepoint (Record).
	deferred bool
	// unopened: only a destroy message showed it, so that the
	// tracepoint's open, if it comes later, is still written.
	unopened bool
	// closedGen is the sample after which it was closed: it is
	// remembered graceSamples more, for a destroy message late or
	// lost, so that it closes once.
	closedGen uint64
}

// Sample takes the next sample, read at snap.Taken and finished at at, and
// returns its events: opens and state changes in the sample's order, then
// the closes it found, by cookie and tuple. The first sample is the
// baseline and makes none.
func (t *Tracker) Sample(snap *model.Snapshot, at time.Time) []Event {
	if t.socks == nil {
		t.socks = make(map[key]*entry, len(snap.Sockets))
	}
	t.gen++
	var evs []Event
	for i := range snap.Sockets {
		evs = t.sampleOne(snap, &snap.Sockets[i], at, evs)
	}
	if !t.started {
		t.started = true
		return nil
	}
	return t.sweep(snap, at, evs)
}

// sampleOne updates what the tracker knows of s and appends its event:
// an open or a state change.
func (t *Tracker) sampleOne(snap *model.Snapshot, s *model.Socket, at time.Time, evs []Event) []Event {
	k := keyOf(s)
	e := t.socks[k]
	if e == nil {
		e = &entry{sock: *s, owners: snap.OwnersOf(s), seen: t.gen}
		t.socks[k] = e
		switch {
		case !t.started && s.State == model.StateTimeWait:
			// Its connection closed before the watch began.
			e.closed, e.closedAt, e.closedGen = true, at, t.gen
		case !t.started:
			e.alive = snap.Taken
		case s.State == model.StateTimeWait:
			// Its connection closed before any sample saw it open.
			e.pending = t.gen
		default:
			e.opened, e.alive = readAt(snap, at), snap.Taken
			if t.Traced && s.Proto == model.ProtoTCP && s.State != model.StateListen {
				e.deferred = true
				return evs
			}
			evs = append(evs, Event{Kind: KindOpen, Time: at, Socket: *s, Seen: SeenSample, Owners: e.owners})
		}
		return evs
	}
	e.seen = t.gen
	if e.closed {
		return evs
	}
	evs = t.undefer(e, evs)
	if s.State != e.sock.State {
		evs = append(evs, Event{Kind: KindState, Time: at, Socket: *s, From: e.sock.State, Seen: SeenSample, Owners: e.owners})
	}
	if owners := snap.OwnersOf(s); len(owners) > 0 {
		e.owners = owners
	}
	e.sock = *s
	if s.State != model.StateTimeWait {
		e.alive = snap.Taken
	} else if e.pending == 0 {
		e.pending = t.gen
	}
	return evs
}

// sweep closes what this sample found gone or in TIME_WAIT (at once
// without destroy messages, after graceSamples with them), and forgets
// closed sockets once a sample read after their close no longer holds
// them.
func (t *Tracker) sweep(snap *model.Snapshot, at time.Time, evs []Event) []Event {
	var closes []Event
	for k, e := range t.socks {
		missing := e.seen != t.gen
		if e.closed {
			if missing && snap.Taken.After(e.closedAt) && t.gen-e.closedGen > graceSamples {
				delete(t.socks, k)
			}
			continue
		}
		if e.wait != nil {
			if t.gen > e.waitGen+1 {
				closes = append(closes, t.close(e, e.wait.at, SeenDestroy, e.wait.info))
			}
			continue
		}
		if missing && e.pending == 0 {
			e.pending = t.gen
		}
		if e.pending == 0 || t.Destroys && t.gen-e.pending < graceSamples {
			continue
		}
		seen := SeenTimeWait
		if missing {
			seen = SeenGone
		}
		closes = t.undefer(e, closes)
		closes = append(closes, t.close(e, at, seen, nil))
	}
	slices.SortFunc(closes, func(a, b Event) int {
		return cmp.Or(cmp.Compare(a.Socket.Cookie, b.Socket.Cookie),
			a.Socket.Local.Compare(b.Socket.Local), a.Socket.Remote.Compare(b.Socket.Remote))
	})
	return append(evs, closes...)
}

// undefer appends the sample's open of e, if it waited for a tracepoint
// record that did not come.
func (t *Tracker) undefer(e *entry, evs []Event) []Event {
	if !e.deferred {
		return evs
	}
	e.deferred = false
	return append(evs, Event{Kind: KindOpen, Time: e.opened, Socket: e.sock, Seen: SeenSample, Owners: e.owners})
}

// readAt is when snap's dump ended, or at where the source does not say.
func readAt(snap *model.Snapshot, at time.Time) time.Time {
	if snap.Read.IsZero() {
		return at
	}
	return snap.Read
}

// close marks e closed at at and returns its close event. Its lifetime
// ends at the destroy message's arrival, or, for a close the samples
// found, at the start of the last sample that held it open: a lifetime is
// never longer than what conntab saw, but for the message's delivery. Where
// the tracepoint saw its change to CLOSE, the message ends it there.
func (t *Tracker) close(e *entry, at time.Time, seen Seen, info *model.TCPInfo) Event {
	e.closed, e.closedAt, e.closedGen, e.wait = true, at, t.gen, nil
	ev := Event{Kind: KindClose, Time: at, Socket: e.sock, Seen: seen, Info: info, Owners: e.owners}
	end := e.alive
	switch {
	case seen == SeenDestroy && !e.ended.IsZero():
		end = e.ended
	case seen == SeenDestroy:
		end = at
	}
	if !e.opened.IsZero() {
		ev.Lifetime, ev.LifetimeKnown = max(0, end.Sub(e.opened)), true
	}
	return ev
}

// Destroy takes the kernel's destroy message for s, with its last
// tcp_info (nil for UDP), arrived at at, and returns its close event;
// false when the socket was closed already (a sample found it gone and
// gave up waiting for this message).
func (t *Tracker) Destroy(s *model.Socket, info *model.TCPInfo, at time.Time) (Event, bool) {
	if t.socks == nil {
		t.socks = make(map[key]*entry)
	}
	k := keyOf(s)
	e := t.socks[k]
	if e == nil {
		// Never seen open: remembered closed, so that a sample read
		// before the socket was freed does not open it again.
		e = &entry{sock: *s, seen: t.gen, unopened: true}
		t.socks[k] = e
	}
	if e.closed {
		return Event{}, false
	}
	if e.traced && e.ended.IsZero() {
		// Its change to CLOSE is in the kernel's ring buffer, or lost:
		// the record, or the next sample but one, closes it.
		e.wait = &destroyed{s: *s, info: info, at: at}
		e.waitGen = t.gen
		return Event{}, false
	}
	return t.close(e, at, SeenDestroy, info), true
}

// DestroyAll is Destroy with the open before the close where a sample
// had found the socket and its open still waited for the tracepoint.
func (t *Tracker) DestroyAll(s *model.Socket, info *model.TCPInfo, at time.Time) []Event {
	var evs []Event
	if e := t.socks[keyOf(s)]; e != nil && !e.closed {
		evs = t.undefer(e, evs)
	}
	if ev, ok := t.Destroy(s, info, at); ok {
		evs = append(evs, ev)
	}
	return evs
}

// Len is how many sockets the tracker remembers, closed ones included.
func (t *Tracker) Len() int { return len(t.socks) }

// States are the states a watch reads: a filter's state clause (given),
// else every state but SYN_RECV, whose request sockets are no connection
// yet (the connection opens as ESTABLISHED with a socket of its own), and
// the bound-only ones, whose walk of the bind table would cost every
// sample.
func States(given model.StateSet, has bool) model.StateSet {
	if has {
		return given
	}
	return model.AllStateSet &^ model.NewStateSet(model.StateSynRecv, model.StateBoundInactive)
}
