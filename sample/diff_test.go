package sample_test

import (
	"hash/maphash"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/conntab/conntab/internal/modeltest"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/sample"
)

// row is one socket as a Diff shows it to a front end.
type row struct {
	Sock   string // "STATE local remote"
	Mark   sample.Mark
	Ghost  bool
	Closed time.Time
	Owners []model.Owner
}

// diffRows is what d shows: the snapshot's sockets, then the ghosts,
// each with its marks and the processes SnapshotOf finds for it.
func diffRows(d *sample.Diff) []row {
	if d == nil {
		return nil
	}
	var out []row
	for i := range int32(d.Len()) {
		s := d.Socket(i)
		r := row{Sock: spell(s), Mark: d.Mark(i),
			Owners: d.SnapshotOf(i).OwnersOf(s)}
		if g := d.Ghost(i); g != nil {
			r.Ghost, r.Closed = true, g.Closed
		}
		out = append(out, r)
	}
	return out
}

// spell is a row's Sock: "STATE local remote".
func spell(s *model.Socket) string {
	return s.State.String() + " " + s.Local.String() + " " + s.Remote.String()
}

// conn is a TCP socket with a cookie, as netlink gives it.
func conn(cookie uint64, state model.State, local, remote string) model.Socket {
	s := modeltest.Sock(model.ProtoTCP, state, local, remote)
	s.Cookie = cookie
	if state != model.StateTimeWait {
		s.Inode = 1000 + cookie
	}
	return s
}

// TestDiffMarks follows sockets over five samples, as the dashboard's
// TestNewChangedClosed does on screen: nothing is new in the first; then
// one appears, one changes state, one closes and lingers, and a ghost goes
// once it has lingered for Linger.
func TestDiffMarks(t *testing.T) {
	const linger = 3 * time.Second
	a := conn(1, model.StateEstablished, "10.0.0.5:40000", "10.0.0.9:5432")
	b := conn(2, model.StateEstablished, "10.0.0.5:40002", "10.0.0.9:5432")
	c := conn(3, model.StateEstablished, "10.0.0.5:443", "192.0.2.7:50000")
	d := conn(4, model.StateEstablished, "10.0.0.5:443", "192.0.2.8:50100")
	bTW := b
	bTW.State, bTW.Inode = model.StateTimeWait, 0
	nginx := model.Owner{Inode: c.Inode, PID: 812, FD: 9, Comm: "nginx"}
	psql := model.Owner{Inode: a.Inode, PID: 900, FD: 4, Comm: "psql"}
	withOwners := func(s *model.Snapshot) *model.Snapshot {
		s.Owners = model.NewOwners([]model.Owner{nginx, psql}, 0)
		return s
	}
	times := []time.Time{t0, t0.Add(time.Second), t0.Add(2 * time.Second), t0.Add(3 * time.Second), t0.Add(4500 * time.Millisecond)}
	at := func(k int) sample.Stamp { return sample.StampOf(times[k].Add(readTime)) }
	closed := func(k int) time.Time { return times[k].Add(readTime) }
	str := func(s model.Socket) string { return spell(&s) }
	changed := sample.Mark{Changed: at(1), From: model.StateEstablished}

	samples := chain(t, sample.Config{Linger: linger},
		withOwners(snapshot(ns1, times[0], a, b, c)),
		withOwners(snapshot(ns1, times[1], a, bTW, d)), // c closes, b goes to TIME_WAIT, d is new
		withOwners(snapshot(ns1, times[2], a, bTW, d)),
		withOwners(snapshot(ns1, times[3], bTW, d)), // a closes
		withOwners(snapshot(ns1, times[4], bTW, d)), // c has lingered 3.5 s, a 1.5 s
	)
	want := [][]row{
		{
			{Sock: str(a), Owners: []model.Owner{psql}},
			{Sock: str(b)},
			{Sock: str(c), Owners: []model.Owner{nginx}},
		},
		{
			{Sock: str(a), Owners: []model.Owner{psql}},
			{Sock: str(bTW), Mark: changed},
			{Sock: str(d), Mark: sample.Mark{First: at(1)}},
			{Sock: str(c), Ghost: true, Closed: closed(1), Owners: []model.Owner{nginx}},
		},
		{
			{Sock: str(a), Owners: []model.Owner{psql}},
			{Sock: str(bTW), Mark: changed},
			{Sock: str(d), Mark: sample.Mark{First: at(1)}},
			{Sock: str(c), Ghost: true, Closed: closed(1), Owners: []model.Owner{nginx}},
		},
		{
			{Sock: str(bTW), Mark: changed},
			{Sock: str(d), Mark: sample.Mark{First: at(1)}},
			{Sock: str(c), Ghost: true, Closed: closed(1), Owners: []model.Owner{nginx}},
			{Sock: str(a), Ghost: true, Closed: closed(3), Owners: []model.Owner{psql}},
		},
		{
			{Sock: str(bTW), Mark: changed},
			{Sock: str(d), Mark: sample.Mark{First: at(1)}},
			{Sock: str(a), Ghost: true, Closed: closed(3), Owners: []model.Owner{psql}},
		},
	}
	for k, s := range samples {
		if diff := cmp.Diff(want[k], diffRows(s.Net().Diff), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("sample %d (-want +got):\n%s", k+1, diff)
		}
	}
}

// TestDiffLinger: a ghost stays while its age is under Linger; a negative
// Linger keeps the Diff but no ghost.
func TestDiffLinger(t *testing.T) {
	a := conn(1, model.StateEstablished, "10.0.0.5:40000", "10.0.0.9:5432")
	c := conn(3, model.StateEstablished, "10.0.0.5:443", "192.0.2.7:50000")
	for _, tc := range []struct {
		name   string
		linger time.Duration
		gap    time.Duration // from the sample c closed in to the next
		want   []int         // ghosts in the second and third samples
	}{
		{name: "younger than linger", linger: 3 * time.Second, gap: 2900 * time.Millisecond, want: []int{1, 1}},
		{name: "as old as linger", linger: 3 * time.Second, gap: 3 * time.Second, want: []int{1, 0}},
		{name: "older than linger", linger: 3 * time.Second, gap: 10 * time.Second, want: []int{1, 0}},
		{name: "negative linger", linger: -1, gap: time.Second, want: []int{0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			samples := chain(t, sample.Config{Linger: tc.linger},
				snapshot(ns1, t0, a, c), snapshot(ns1, t0.Add(time.Second), a), snapshot(ns1, t0.Add(time.Second+tc.gap), a))
			var got []int
			for _, s := range samples[1:] {
				got = append(got, s.Net().Diff.Len()-len(s.Net().Snap.Sockets))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ghosts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFormerOwnersOfAGhost: a ghost without an inode (TIME_WAIT) keeps
// the owners its connection had, which the snapshot kept in Former.
func TestFormerOwnersOfAGhost(t *testing.T) {
	tw := conn(5, model.StateTimeWait, "10.0.0.5:40004", "10.0.0.9:5432")
	was := []model.Owner{{PID: 900, FD: 4, Comm: "psql", Former: true}}
	first := snapshot(ns1, t0, tw)
	first.Former = map[model.TupleKey][]model.Owner{tw.Key(): was}
	s := chain(t, sample.Config{Linger: time.Minute}, first, snapshot(ns1, t0.Add(time.Second)))[1]
	want := []row{{Sock: "TIME_WAIT 10.0.0.5:40004 10.0.0.9:5432", Ghost: true, Closed: t0.Add(time.Second + readTime), Owners: was}}
	if diff := cmp.Diff(want, diffRows(s.Net().Diff), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ghost (-want +got):\n%s", diff)
	}
}

// TestSocketID: netlink's cookie names a socket; /proc's sockets, which
// have none, are named by protocol, endpoints and inode.
func TestSocketID(t *testing.T) {
	seed := maphash.MakeSeed()
	proc := modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.5:40000", "10.0.0.9:5432")
	proc.Inode = 4242
	with := func(f func(*model.Socket)) model.Socket {
		s := proc
		f(&s)
		return s
	}
	for _, tc := range []struct {
		name string
		a, b model.Socket
		same bool
	}{
		{name: "same cookie, other tuple", same: true,
			a: conn(7, model.StateEstablished, "10.0.0.5:40000", "10.0.0.9:5432"),
			b: conn(7, model.StateCloseWait, "10.0.0.5:40002", "10.0.0.9:5432")},
		{name: "other cookie, same tuple",
			a: conn(7, model.StateEstablished, "10.0.0.5:40000", "10.0.0.9:5432"),
			b: conn(8, model.StateEstablished, "10.0.0.5:40000", "10.0.0.9:5432")},
		{name: "proc: another state", a: proc, b: with(func(s *model.Socket) { s.State = model.StateFinWait1 }), same: true},
		{name: "proc: another inode", a: proc, b: with(func(s *model.Socket) { s.Inode++ })},
		{name: "proc: another protocol", a: proc, b: with(func(s *model.Socket) { s.Proto = model.ProtoUDP })},
		{name: "proc: another local port", a: proc,
			b: with(func(s *model.Socket) { s.Local = modeltest.Sock(0, 0, "10.0.0.5:40001", "0.0.0.0:0").Local })},
		{name: "proc: another remote", a: proc,
			b: with(func(s *model.Socket) { s.Remote = modeltest.Sock(0, 0, "10.0.0.9:5433", "0.0.0.0:0").Local })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if same := sample.SocketID(seed, &tc.a) == sample.SocketID(seed, &tc.b); same != tc.same {
				t.Errorf("same ID: %v, want %v", same, tc.same)
			}
		})
	}
}

// TestNewDiffIsEmpty: before the first sample a Diff shows nothing.
func TestNewDiffIsEmpty(t *testing.T) {
	if n := sample.NewDiff().Len(); n != 0 {
		t.Errorf("NewDiff().Len() = %d, want 0", n)
	}
	d := sample.NewDiff().Next(snapshot(ns1, t0, conn(1, model.StateListen, "0.0.0.0:22", "0.0.0.0:0")), t0, time.Second)
	if diff := cmp.Diff([]row{{Sock: "LISTEN 0.0.0.0:22 0.0.0.0:0"}}, diffRows(d), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("first Next (-want +got):\n%s", diff)
	}
}
