package watch

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/collect/bpfevents"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
)

// record is a tracepoint record of a state change of cookie at ms.
func record(cookie uint64, from, to model.State, ms int, pid uint32, comm string) *bpfevents.Event {
	return &bpfevents.Event{
		Kind: bpfevents.KindState, Time: at(ms), Cookie: cookie, PID: pid, Comm: comm,
		Proto: model.ProtoTCP, Family: model.FamilyInet, OldState: from, NewState: to,
		Local: netip.MustParseAddrPort(cli), Remote: netip.MustParseAddrPort(srv),
	}
}

// TestRecordOpenClose: a connection the tracepoint sees established opens
// at the kernel's time naming connect()'s caller, not the task its
// SYN-ACK interrupted; the sample that then holds it makes no second open;
// its destroy message, arrived before the change to CLOSE, waits for it,
// and the lifetime runs between the kernel's times.
func TestRecordOpenClose(t *testing.T) {
	tr := Tracker{Destroys: true, Traced: true}
	tr.Sample(snap(0), at(5))
	if _, ok := tr.Record(record(7, model.StateClose, model.StateSynSent, 10, 42, "client"), nil); ok {
		t.Fatal("SYN_SENT made an event")
	}
	ev, ok := tr.Record(record(7, model.StateSynSent, model.StateEstablished, 11, 99, "ksoftirqd/0"), nil)
	if !ok || ev.Kind != KindOpen || ev.Seen != SeenTrace || !ev.Time.Equal(at(11)) || len(ev.Owners) != 1 || ev.Owners[0].PID != 42 {
		t.Fatalf("open %+v, %v: want at 11ms by pid 42 from the tracepoint", ev, ok)
	}
	if evs := tr.Sample(snap(100, tcp(7, cli, srv, est)), at(105)); len(evs) != 0 {
		t.Errorf("the sample after the record made %+v", evs)
	}
	s := tcp(7, cli, srv, model.StateClose)
	if evs := tr.DestroyAll(&s, nil, at(300)); len(evs) != 0 {
		t.Fatalf("the destroy message closed before the change to CLOSE: %+v", evs)
	}
	ev, ok = tr.Record(record(7, model.StateEstablished, model.StateClose, 250, 42, "client"), nil)
	if !ok || ev.Kind != KindClose || ev.Seen != SeenDestroy || !ev.LifetimeKnown || ev.Lifetime != 239*time.Millisecond {
		t.Errorf("close %+v, %v: want the destroy's, lifetime 239ms (11 to 250)", ev, ok)
	}
}

// TestRecordDeferred: a connection a sample finds before its record waits
// for it, and opens once, at the kernel's time; one whose record never
// comes opens from the sample after, at the first sample's time; a
// destroy message before either writes the open first.
func TestRecordDeferred(t *testing.T) {
	tr := Tracker{Destroys: true, Traced: true}
	tr.Sample(snap(0), at(5))
	if evs := tr.Sample(snap(100, tcp(7, cli, srv, est), tcp(8, cli2, srv, est), tcp(9, cli3, srv, est)), at(105)); len(evs) != 0 {
		t.Fatalf("new connections opened before their records: %+v", evs)
	}
	ev, ok := tr.Record(record(7, model.StateSynSent, model.StateEstablished, 90, 1, "x"), nil)
	if !ok || ev.Seen != SeenTrace || !ev.Time.Equal(at(90)) {
		t.Errorf("deferred open %+v, %v: want the record's at 90ms", ev, ok)
	}
	s := tcp(9, cli3, srv, model.StateClose)
	evs := tr.DestroyAll(&s, nil, at(150))
	if got := kinds(evs); !cmp.Equal(got, []string{"open sample", "close destroy"}) {
		t.Errorf("destroy of a deferred open: %v", got)
	}
	evs = tr.Sample(snap(200, tcp(7, cli, srv, est), tcp(8, cli2, srv, est)), at(205))
	if got := kinds(evs); !cmp.Equal(got, []string{"open sample"}) || !evs[0].Time.Equal(at(105)) {
		t.Errorf("the sample after: %v %+v, want cookie 8 opened by the sample at 105ms", got, evs)
	}
}

const (
	cli2 = "10.0.0.1:40002"
	cli3 = "10.0.0.1:40003"
)

func kinds(evs []Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Kind.String()+" "+ev.Seen.String())
	}
	return out
}

// TestFailureFormat: a connect error writes its errno, endpoints, search
// time and caller, escaped in text and in JSON, with its container.
func TestFailureFormat(t *testing.T) {
	var tr Tracker
	r := &bpfevents.Event{
		Kind: bpfevents.KindConnectError, Time: at(1500), PID: 42, Comm: "evil\x1b[2J", Errno: 99,
		Proto: model.ProtoTCP, Family: model.FamilyInet, PortSearch: 41200 * time.Nanosecond,
		Local: netip.MustParseAddrPort("127.0.0.1:0"), Remote: netip.MustParseAddrPort("127.0.0.1:8002"),
	}
	ev, ok := tr.Record(r, func(pid int32) string { return "c0ffee\x07" })
	if !ok {
		t.Fatal("no event")
	}
	text := string(AppendText(nil, &ev))
	want := " connect_error tcp EADDRNOTAVAIL 127.0.0.1:0 127.0.0.1:8002 search=41.2µs pid=42 comm=evil\\x1b[2J container=c0ffee\\x07 seen=tracepoint"
	if !strings.HasSuffix(text, want) {
		t.Errorf("text\n%q, want it to end\n%q", text, want)
	}
	line, _ := AppendJSON(nil, nil, &ev, new(render.Labeler))
	var got EventJSON
	if err := json.Unmarshal(line, &got); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	if diff := cmp.Diff([]any{"connect_error", "EADDRNOTAVAIL", int64(41200), "c0ffee\x07", int32(42), "evil\x1b[2J", uint16(8002), "tracepoint"},
		[]any{got.Event, got.Errno, *got.PortSearchNS, *got.Container, *got.PID, *got.Comm, got.Remote.Port, got.Source}); diff != "" {
		t.Errorf("(-want +got)\n%s\n%s", diff, line)
	}
	ev.PortSearch, ev.Container = 0, ""
	line, _ = AppendJSON(nil, nil, &ev, new(render.Labeler))
	for _, k := range []string{`"port_search_ns":null`, `"container":null`} {
		if !strings.Contains(string(line), k) {
			t.Errorf("no %s in %s", k, line)
		}
	}
}

// fakeFailures hands on the test's records, then counts some lost.
type fakeFailures struct {
	recs   chan bpfevents.Event
	closed chan struct{}
	once   sync.Once
}

func (f *fakeFailures) Read() (bpfevents.Event, error) {
	select {
	case r := <-f.recs:
		return r, nil
	case <-f.closed:
		return bpfevents.Event{}, os.ErrClosed
	}
}

func (f *fakeFailures) Lost() (bpfevents.Lost, error) {
	return bpfevents.Lost{ConnectError: 2, State: 3}, nil
}

func (f *fakeFailures) Close() error {
	f.once.Do(func() { close(f.closed) })
	return nil
}

// TestRunFailures: Run opens the records for the baseline's namespace,
// writes a failure the filter selects by its destination and not one it
// does not, and says at the end what the ring buffer lost; a source that
// cannot be opened is said once, and the stream goes on without it.
func TestRunFailures(t *testing.T) {
	f := &fakeFailures{recs: make(chan bpfevents.Event, 2), closed: make(chan struct{})}
	for _, port := range []uint16{8002, 9000} {
		f.recs <- bpfevents.Event{Kind: bpfevents.KindConnectError, Time: at(10), PID: 42, Comm: "client", Errno: 99,
			Proto: model.ProtoTCP, Family: model.FamilyInet, Remote: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)}
	}
	var gotNS uint32
	open := func(netns uint32, _ time.Duration) (Failures, error) { gotNS = netns; return f, nil }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	collect := func(context.Context) (*model.Snapshot, error) {
		if calls++; calls == 3 {
			cancel()
		}
		s := snap(0)
		s.NetNS = 4026531840
		return s, nil
	}
	match := func(s *model.Socket) bool { return s.Remote.Port() == 8002 }
	var out, errb syncBuffer
	cfg := Config{Collect: collect, Failures: open, Match: match, Interval: 20 * time.Millisecond}
	if err := Run(ctx, cfg, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if gotNS != 4026531840 || strings.Count(out.String(), "connect_error") != 1 || !strings.Contains(out.String(), "127.0.0.1:8002") {
		t.Errorf("namespace %d, stream\n%s\nwant 4026531840 and the one failure to :8002", gotNS, out.String())
	}
	if !strings.Contains(errb.String(), "no room for 5 records") || strings.Contains(errb.String(), "cannot be seen") {
		t.Errorf("stderr %q: want the 5 lost, and nothing unseen", errb.String())
	}

	calls = 0
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	errb = syncBuffer{}
	cfg.Failures = func(uint32, time.Duration) (Failures, error) {
		return nil, fmt.Errorf("%w: loading the programs: operation not permitted\x1b[2J", bpfevents.ErrUnavailable)
	}
	if err := Run(ctx, cfg, &out, &errb); err != nil {
		t.Fatal(err)
	}
	const said = "conntab: connect() and bind() failures cannot be seen: eBPF unavailable: loading the programs: operation not permitted\\x1b[2J\n"
	if strings.Count(errb.String(), said) != 1 {
		t.Errorf("stderr %q: want %q once", errb.String(), said)
	}
}
