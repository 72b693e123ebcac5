package watch

import (
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

var t0 = time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func tcp(cookie uint64, local, remote string, st model.State) model.Socket {
	return model.Socket{
		Proto: model.ProtoTCP, Family: model.FamilyInet, State: st, Cookie: cookie,
		Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort(remote),
	}
}

// snap is a sample whose dump ran from ms to ms+5.
func snap(ms int, socks ...model.Socket) *model.Snapshot {
	return &model.Snapshot{Sockets: socks, Taken: at(ms), Read: at(ms + 5), Source: model.SourceNetlink}
}

// brief is what a test compares of an event.
type brief struct {
	Kind     string
	Seen     string
	Cookie   uint64
	State    string
	From     string
	Lifetime time.Duration
	Known    bool
	Acked    uint64
}

func briefs(evs []Event) []brief {
	var out []brief
	for _, e := range evs {
		b := brief{Kind: e.Kind.String(), Seen: e.Seen.String(), Cookie: e.Socket.Cookie, State: e.Socket.State.String(),
			Lifetime: e.Lifetime, Known: e.LifetimeKnown}
		if e.Kind == KindState {
			b.From = e.From.String()
		}
		if e.Info != nil {
			b.Acked = e.Info.BytesAcked
		}
		out = append(out, b)
	}
	return out
}

const (
	cli = "10.0.0.1:40000"
	srv = "10.0.0.2:80"
)

var (
	est = model.StateEstablished
	tw  = model.StateTimeWait
)

func TestTrackerSamplesOnly(t *testing.T) {
	var tr Tracker
	// The baseline: 1 established, 2 in TIME_WAIT; neither makes events,
	// nor does 2 going away (its connection closed before).
	if evs := tr.Sample(snap(0, tcp(1, cli, srv, est), tcp(2, "10.0.0.1:40001", srv, tw)), at(10)); evs != nil {
		t.Fatalf("baseline made %v", briefs(evs))
	}
	steps := []struct {
		snap *model.Snapshot
		end  int
		want []brief
	}{
		{snap(1000, tcp(1, cli, srv, est), tcp(3, "10.0.0.1:40002", srv, model.StateSynSent)), 1010,
			[]brief{{Kind: "open", Seen: "sample", Cookie: 3, State: "SYN_SENT"}}},
		{snap(2000, tcp(3, "10.0.0.1:40002", srv, est), tcp(4, "10.0.0.1:40003", srv, tw)), 2010, []brief{
			{Kind: "state", Seen: "sample", Cookie: 3, State: "ESTABLISHED", From: "SYN_SENT"},
			// 4 closed between samples: its TIME_WAIT says so, lifetime unknown.
			{Kind: "close", Seen: "gone", Cookie: 1, State: "ESTABLISHED"},
			{Kind: "close", Seen: "time-wait", Cookie: 4, State: "TIME_WAIT"},
		}},
		{snap(3000, tcp(3, "10.0.0.1:40002", srv, tw), tcp(4, "10.0.0.1:40003", srv, tw)), 3010, []brief{
			{Kind: "state", Seen: "sample", Cookie: 3, State: "TIME_WAIT", From: "ESTABLISHED"},
			// Open from the end of the dump at 1000 to the start of the
			// one at 2000, the last that held it open.
			{Kind: "close", Seen: "time-wait", Cookie: 3, State: "TIME_WAIT", Lifetime: 995 * time.Millisecond, Known: true},
		}},
		{snap(4000), 4010, nil}, // the TIME_WAITs expire: already closed
		{snap(5000), 5010, nil},
		{snap(6000), 6010, nil},
	}
	for i, st := range steps {
		if diff := cmp.Diff(st.want, briefs(tr.Sample(st.snap, at(st.end)))); diff != "" {
			t.Errorf("sample %d (-want +got)\n%s", i+1, diff)
		}
	}
	if tr.Len() != 0 {
		t.Errorf("remembers %d sockets graceSamples after all closed and gone, want 0", tr.Len())
	}
}

func TestTrackerDestroys(t *testing.T) {
	tr := Tracker{Destroys: true}
	tr.Sample(snap(0), at(10))
	a := tcp(1, cli, srv, est)
	if evs := tr.Sample(snap(1000, a), at(1010)); len(evs) != 1 || evs[0].Kind != KindOpen {
		t.Fatalf("open: %v", briefs(evs))
	}
	// Freed at 1500: the destroy message closes it with its final counters.
	freed := tcp(1, cli, srv, model.StateClose)
	ev, ok := tr.Destroy(&freed, &model.TCPInfo{BytesAcked: 1002}, at(1500))
	want := []brief{{Kind: "close", Seen: "destroy", Cookie: 1, State: "ESTABLISHED", Lifetime: 495 * time.Millisecond, Known: true, Acked: 1002}}
	if diff := cmp.Diff(want, briefs([]Event{ev})); !ok || diff != "" {
		t.Fatalf("destroy %v (-want +got)\n%s", ok, diff)
	}
	// Its TIME_WAIT, in a sample after, makes no event; nor a message
	// for a socket no sample saw before a sample read before its free.
	b := tcp(2, "10.0.0.1:40001", srv, model.StateClose)
	ev, ok = tr.Destroy(&b, nil, at(1900))
	if !ok || ev.LifetimeKnown || ev.Socket.State != model.StateClose {
		t.Fatalf("unseen socket's destroy: %v %+v", ok, ev)
	}
	if evs := tr.Sample(snap(1800, tcp(1, cli, srv, tw), tcp(2, "10.0.0.1:40001", srv, est)), at(2010)); evs != nil {
		t.Fatalf("after the destroys: %v", briefs(evs))
	}
	// A socket gone without a message (one lost) is closed as gone
	// graceSamples samples later, not before.
	c := tcp(3, "10.0.0.1:40002", srv, est)
	tr.Sample(snap(3000, tcp(1, cli, srv, tw), c), at(3010))
	tr.Sample(snap(3500, tcp(1, cli, srv, tw), c), at(3510))
	if evs := tr.Sample(snap(4000, tcp(1, cli, srv, tw)), at(4010)); evs != nil {
		t.Fatalf("closed before the grace: %v", briefs(evs))
	}
	if evs := tr.Sample(snap(5000, tcp(1, cli, srv, tw)), at(5010)); len(evs) != 0 {
		t.Fatalf("graceSamples 2: at the second sample: %v", briefs(evs))
	}
	evs := tr.Sample(snap(6000), at(6010))
	// Seen open from 3005 to 3500.
	want = []brief{{Kind: "close", Seen: "gone", Cookie: 3, State: "ESTABLISHED", Lifetime: 495 * time.Millisecond, Known: true}}
	if diff := cmp.Diff(want, briefs(evs)); diff != "" {
		t.Errorf("lost message (-want +got)\n%s", diff)
	}
	if _, ok := tr.Destroy(&c, nil, at(6100)); ok {
		t.Errorf("a late message closed it twice")
	}
}
