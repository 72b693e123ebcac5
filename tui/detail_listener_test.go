package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/conntab/conntab/model"
)

// TestDetailListener: a listener's tcp_info holds its accept queue and
// what new connections start with; the rest, zeros the kernel leaves for
// a listener, is said not to apply rather than shown as figures.
func TestDetailListener(t *testing.T) {
	cfg := testConfig(fixture(t0))
	cfg.TCPInfo = func(_ context.Context, s model.Socket) (model.TCPInfo, error) {
		return model.TCPInfo{State: s.State, Unacked: 2, SndCwnd: 10, PacingRate: model.RateUnlimited, Congestion: "cubic"}, nil
	}
	m := newTestModel(t, 80, 24, cfg)
	m = keys(t, m, "X", "X") // unfold all
	for {
		i, ok := m.sockets.selected()
		if ok && m.c.net.Diff.Socket(i).State == model.StateListen {
			break
		}
		if m.sockets.table.cursor > 200 {
			t.Fatal("no listener selected")
		}
		m = keys(t, m, "down")
	}
	next, cmd := m.Update(keyMsg("enter"))
	m = update(t, next.(Model), cmd())
	s := screen(m)
	for _, w := range []string{"accept queue 2 waiting, backlog ", "cc cubic  cwnd 10  pacing unlimited", "n/a for a listener"} {
		if !strings.Contains(s, w) {
			t.Errorf("listener's pane lacks %q:\n%s", w, s)
		}
	}
	for _, w := range []string{"rto 0ms", "mss 0", "last sent 0ms ago"} {
		if strings.Contains(s, w) {
			t.Errorf("listener's pane shows %q:\n%s", w, s)
		}
	}
	checkFits(t, m, 80, 24)
}

// TestDetailListenerFromProc (issue 15, item 13): /proc has no backlog, so
// a listener read from it shows its backlog as unknown, not as 0.
func TestDetailListenerFromProc(t *testing.T) {
	snap := fixture(t0)
	snap.Source = model.SourceProc
	m := newTestModel(t, 120, 40, testConfig(snap))
	m = keys(t, m, "X", "X") // unfold all
	for {
		i, ok := m.sockets.selected()
		if ok && m.c.net.Diff.Socket(i).State == model.StateListen {
			break
		}
		if m.sockets.table.cursor > 200 {
			t.Fatal("no listener selected")
		}
		m = keys(t, m, "down")
	}
	next, _ := m.Update(keyMsg("enter"))
	m = next.(Model)
	s := screen(m)
	if !strings.Contains(s, "of backlog ? (not in /proc)") || strings.Contains(s, "of backlog 0") {
		t.Errorf("a listener from /proc: want its backlog unknown:\n%s", s)
	}
}
