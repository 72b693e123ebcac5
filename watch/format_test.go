package watch

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
)

func closeEvent() Event {
	return Event{
		Kind: KindClose, Time: at(1500), Socket: tcp(7, cli, srv, est), Seen: SeenDestroy,
		Lifetime: 1234567 * time.Microsecond, LifetimeKnown: true,
		Info:   &model.TCPInfo{BytesAcked: 1002, BytesReceived: 301, TotalRetrans: 1, RTT: 51 * time.Microsecond},
		Owners: []model.Owner{{PID: 42, Comm: "evil\x1b[2J"}},
	}
}

func TestAppendJSON(t *testing.T) {
	ev := closeEvent()
	line, _ := AppendJSON(nil, nil, &ev, new(render.Labeler))
	var got EventJSON
	if err := json.Unmarshal(line, &got); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	u := func(v uint64) *uint64 { return &v }
	if diff := cmp.Diff([]any{"close", "2026-12-02T17:00:01.5Z", "destroy", "ESTABLISHED", int64(1234), u(1002), u(301), uint32(1), int64(51), int32(42), "evil\x1b[2J", "7"},
		[]any{got.Event, got.Time, got.Source, got.State, *got.LifetimeMS, got.BytesAcked, got.BytesReceived, *got.Retransmits, *got.RTTMicros, *got.PID, *got.Comm, got.Cookie}); diff != "" {
		t.Errorf("(-want +got)\n%s\n%s", diff, line)
	}
	// What was not seen is null, not 0.
	ev.Info, ev.LifetimeKnown, ev.Owners, ev.Seen = nil, false, nil, SeenGone
	line, _ = AppendJSON(nil, nil, &ev, new(render.Labeler))
	for _, k := range []string{`"lifetime_ms":null`, `"bytes_acked":null`, `"bytes_received":null`, `"pid":null`, `"comm":null`, `"source":"gone"`} {
		if !strings.Contains(string(line), k) {
			t.Errorf("no %s in %s", k, line)
		}
	}
}

func TestAppendText(t *testing.T) {
	ev := closeEvent()
	got := string(AppendText(nil, &ev))
	want := " close tcp ESTABLISHED 10.0.0.1:40000 10.0.0.2:80 lifetime=1.235s acked=1002 received=301 retrans=1 rtt=51µs pid=42 comm=evil\\x1b[2J seen=destroy"
	if !strings.HasSuffix(got, want) || strings.ContainsRune(got, 0x1b) {
		t.Errorf("got  %q\nwant …%q", got, want)
	}
}

// TestSourcesNotice: the notice says where closes come from, and why not
// from the kernel when it does not.
func TestSourcesNotice(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, "closes from the kernel's sock_diag destroy messages"},
		{errNotAsked, "closes from the samples alone, as asked:"},
		{errors.New("joining: operation not permitted\x1b"), `closes from the samples alone, since the kernel's destroy messages cannot be had (joining: operation not permitted\x1b):`},
	} {
		if got := sourcesNotice(model.SourceNetlink, time.Second, c.err, false); !strings.Contains(got, c.want) || strings.Contains(got, "tracepoint") {
			t.Errorf("%v: %q lacks %q, or names a tracepoint it did not use", c.err, got, c.want)
		}
	}
	if got := sourcesNotice(model.SourceNetlink, time.Second, nil, true); !strings.Contains(got, "from the kernel's inet_sock_set_state tracepoint") {
		t.Errorf("with the tracer: %q does not name the tracepoint", got)
	}
}
