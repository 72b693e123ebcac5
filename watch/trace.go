package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/collect/bpfevents"
	"github.com/conntab/conntab/model"
)

// Failures is a subscription to the kernel's eBPF records
// (bpfevents.Tracer): connect() and bind() errors, and TCP state changes
// with their kernel timestamps.
type Failures interface {
	// Read waits for the next record; after Close it fails.
	Read() (bpfevents.Event, error)
	Lost() (bpfevents.Lost, error)
	Close() error
}

// maxCallers bounds the connects the tracker remembers between SYN_SENT
// and ESTABLISHED; past it (their records lost) it forgets them all.
const maxCallers = 1 << 16

// Record takes one record of the eBPF programs and returns its event, if
// it makes one: a connect or bind error, or a TCP connection's open
// (SYN_SENT or SYN_RECV to ESTABLISHED) at the kernel's time, unless a
// sample saw the socket first. The open names the task that called
// connect() (its CLOSE -> SYN_SENT), not the one the handshake's packet
// interrupted; an accepted connection names none until a sample does.
// container names the caller's container, or "".
func (t *Tracker) Record(r *bpfevents.Event, container func(pid int32) string) (Event, bool) {
	switch r.Kind {
	case bpfevents.KindConnectError, bpfevents.KindBindError:
		return t.failure(r, container), true
	case bpfevents.KindState:
		return t.tracedState(r)
	}
	return Event{}, false
}

// failure is the event of a connect or bind error.
func (t *Tracker) failure(r *bpfevents.Event, container func(pid int32) string) Event {
	kind := KindConnectError
	if r.Kind == bpfevents.KindBindError {
		kind = KindBindError
	}
	ev := Event{
		Kind: kind, Time: r.Time, Seen: SeenTrace, Errno: r.Errno, PortSearch: r.PortSearch,
		Socket: model.Socket{Proto: r.Proto, Family: r.Family, State: model.StateClose, Local: r.Local,
			Remote: r.Remote, Cookie: r.Cookie, NetNS: r.NetNS},
		Owners: []model.Owner{{PID: int32(r.PID), Comm: r.Comm}},
	}
	if container != nil {
		ev.Container = container(int32(r.PID))
	}
	return ev
}

// tracedState remembers who called connect() and makes the open of a
// connection that became ESTABLISHED.
func (t *Tracker) tracedState(r *bpfevents.Event) (Event, bool) {
	if t.socks == nil {
		t.socks = make(map[key]*entry)
	}
	if t.callers == nil || len(t.callers) >= maxCallers {
		t.callers = make(map[uint64]model.Owner)
	}
	switch {
	case r.NewState == model.StateSynSent:
		t.callers[r.Cookie] = model.Owner{PID: int32(r.PID), Comm: r.Comm}
		return Event{}, false
	case r.NewState == model.StateClose:
		delete(t.callers, r.Cookie)
		e := t.socks[key{cookie: r.Cookie}]
		if e == nil || e.closed {
			return Event{}, false
		}
		e.ended = r.Time
		if w := e.wait; w != nil {
			return t.close(e, w.at, SeenDestroy, w.info), true
		}
		return Event{}, false
	case r.NewState != model.StateEstablished:
		return Event{}, false
	}
	caller, called := t.callers[r.Cookie]
	delete(t.callers, r.Cookie)
	s := model.Socket{Proto: model.ProtoTCP, Family: r.Family, State: model.StateEstablished,
		Local: r.Local, Remote: r.Remote, Cookie: r.Cookie, NetNS: r.NetNS}
	k := keyOf(&s)
	e := t.socks[k]
	switch {
	case e == nil:
		e = &entry{sock: s, seen: t.gen, opened: r.Time, alive: r.Time, traced: true}
		t.socks[k] = e
	case e.unopened:
		// Its destroy message came first: the close is written, the open
		// comes late but is the kernel's.
		e.unopened = false
	case e.deferred:
		e.deferred, e.opened, e.alive, e.traced = false, r.Time, r.Time, true
		if !called {
			return Event{Kind: KindOpen, Time: r.Time, Socket: e.sock, Seen: SeenTrace, Owners: e.owners}, true
		}
	default:
		return Event{}, false
	}
	if called {
		e.owners = []model.Owner{caller}
	}
	if e.sock.Cookie == s.Cookie && e.sock.State != model.StateClose {
		s = e.sock
	}
	return Event{Kind: KindOpen, Time: r.Time, Socket: s, Seen: SeenTrace, Owners: e.owners}, true
}

// traceTime is a record's time, or now where the tracer had no clock.
func traceTime(r *bpfevents.Event, now time.Time) time.Time {
	if r.Time.IsZero() {
		return now
	}
	return r.Time
}

// NoBPFEnv is the environment variable that, set to 1, keeps
// OpenFailures from loading the eBPF programs: conntab watch then runs as
// it does where eBPF is unavailable (tests use it).
const NoBPFEnv = "CONNTAB_NO_BPF"

// OpenFailures opens the eBPF programs (bpfevents.Open) for the namespace
// of inode netns (0: every one), letting state changes wait up to latency
// in the ring buffer (bpfevents.Options.Latency; failures wake the reader
// at once); an error says why they are unavailable.
func OpenFailures(netns uint32, latency time.Duration) (Failures, error) {
	disable := os.Getenv(NoBPFEnv) == "1"
	tr, err := bpfevents.Open(bpfevents.Options{NetNS: netns, Latency: latency, Disable: disable})
	if err != nil {
		if disable {
			err = fmt.Errorf("%w (%s=1)", err, NoBPFEnv)
		}
		return nil, err
	}
	return tr, nil
}

// openFailures opens cfg's eBPF records for snap's namespace.
func openFailures(cfg Config, snap *model.Snapshot) (Failures, error) {
	if cfg.Failures == nil {
		return nil, fmt.Errorf("%w: %w", bpfevents.ErrUnavailable, errNotAsked)
	}
	var netns uint32
	if snap.Namespaces == nil {
		netns = snap.NetNS
	}
	return cfg.Failures(netns, recordLatency(cfg.Interval))
}

// maxRecordLatency bounds how long state changes wait in the ring buffer.
const maxRecordLatency = 100 * time.Millisecond

// recordLatency is how long state changes may wait in the ring buffer:
// half a sample, so that the record of a connection a sample finds first
// comes before the next one (Tracker.Traced), and at most
// maxRecordLatency. A busy host then wakes the reader once per batch.
func recordLatency(interval time.Duration) time.Duration {
	return min(interval/2, maxRecordLatency)
}

// readFailures reads f's records on a goroutine of its own until ctx ends
// or f is closed, into the channel it returns (nil without f). Records
// that do not decode are skipped (bpfevents.ErrDecode).
func readFailures(ctx context.Context, f Failures) <-chan bpfevents.Event {
	if f == nil {
		return nil
	}
	recs := make(chan bpfevents.Event, 1<<12)
	go func() {
		defer close(recs)
		for {
			r, err := f.Read()
			if errors.Is(err, bpfevents.ErrDecode) {
				continue
			}
			if err != nil {
				return
			}
			select {
			case recs <- r:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		<-ctx.Done()
		f.Close()
	}()
	return recs
}

// sayLost says on stderr how many records the ring buffer had no room
// for, if any.
func sayLost(f Failures, stderr io.Writer) {
	l, err := f.Lost()
	if err != nil || l.Total() == 0 {
		return
	}
	fmt.Fprintf(stderr, "conntab: the kernel's ring buffer had no room for %d records (conntab fell behind): %d connect() and %d bind() failures and %d TCP state changes are not in the stream\n",
		l.Total(), l.ConnectError, l.BindError, l.State)
}

// containerCache remembers the container of each failing pid.
type containerCache struct {
	name  func(pid int32) string
	byPID map[int32]string
}

// maxContainers bounds the cache; past it, it starts again.
const maxContainers = 4096

func (c *containerCache) lookup(pid int32) string {
	if c.name == nil {
		return ""
	}
	if n, ok := c.byPID[pid]; ok {
		return n
	}
	if c.byPID == nil || len(c.byPID) >= maxContainers {
		c.byPID = make(map[int32]string)
	}
	n := c.name(pid)
	c.byPID[pid] = n
	return n
}

// ContainerOf is the container id of process pid's cgroup
// (collect.ReadProcessDetail), or "" when it is in none or gone.
func ContainerOf(pid int32) string {
	d, err := collect.ReadProcessDetail("", pid)
	if err != nil {
		return ""
	}
	return d.Container
}
