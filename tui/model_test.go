package tui

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// groupSummary lists the Sockets view's groups as "STATE count".
func groupSummary(m Model) []string {
	var out []string
	for _, g := range m.sockets.rows.groups {
		out = append(out, g.state.String()+" "+itoa(g.hi-g.lo))
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestGrouping(t *testing.T) {
	m := newTestModel(t, 120, 40, testConfig(fixture(t0)))
	want := []string{"LISTEN 7", "ESTABLISHED 35", "SYN_SENT 1", "FIN_WAIT2 1", "TIME_WAIT 170", "CLOSE_WAIT 24", "UNCONN 1"}
	if diff := cmp.Diff(want, groupSummary(m)); diff != "" {
		t.Fatalf("groups (-want +got):\n%s", diff)
	}
	// Every group is small, so none starts folded; x folds the one under
	// the cursor (the cursor starts on LISTEN's header).
	if got := m.sockets.lines(); got != 7+239 {
		t.Errorf("lines: %d, want %d", got, 7+239)
	}
	m = keys(t, m, "x")
	if !m.sockets.folded(model.StateListen) || m.sockets.lines() != 7+232 {
		t.Errorf("after x: LISTEN folded %v, lines %d", m.sockets.folded(model.StateListen), m.sockets.lines())
	}
	if !strings.Contains(screen(m), "▸ LISTEN 7") {
		t.Errorf("folded group header not shown:\n%s", screen(m))
	}
	// X unfolds all when any is folded, then folds all.
	m = keys(t, m, "X")
	if m.sockets.lines() != 7+239 {
		t.Errorf("after X: %d lines", m.sockets.lines())
	}
	m = keys(t, m, "X")
	if m.sockets.lines() != 7 {
		t.Errorf("after X X: %d lines", m.sockets.lines())
	}
}

func TestBigGroupsStartFolded(t *testing.T) {
	m := newTestModel(t, 120, 40, testConfig(bigSnapshot(t0, 0)))
	for _, g := range m.sockets.rows.groups {
		if want := g.hi-g.lo > foldAbove; m.sockets.folded(g.state) != want {
			t.Errorf("%s with %d rows: folded %v", g.state, g.hi-g.lo, m.sockets.folded(g.state))
		}
	}
	// Folded groups are not sorted until they are unfolded.
	for _, g := range m.sockets.rows.groups {
		if g.sorted == m.sockets.folded(g.state) {
			t.Errorf("%s: sorted %v, folded %v", g.state, g.sorted, m.sockets.folded(g.state))
		}
	}
}

// rowsOf returns the Sockets view's sockets of state s, in order.
func rowsOf(m Model, s model.State) []*model.Socket {
	var out []*model.Socket
	for _, g := range m.sockets.rows.groups {
		if g.state == s {
			for _, i := range m.sockets.rows.rows[g.lo:g.hi] {
				out = append(out, m.c.net.Diff.Socket(i))
			}
		}
	}
	return out
}

// lineWith returns the first line of s that starts with prefix and holds
// text.
func lineWith(s, prefix, text string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) && strings.Contains(l, text) {
			return l
		}
	}
	return ""
}

func TestSort(t *testing.T) {
	m := newTestModel(t, 120, 40, testConfig(fixture(t0)))
	// Natural order: by peer, then local.
	est := rowsOf(m, model.StateEstablished)
	if !slices.IsSortedFunc(est, func(a, b *model.Socket) int { return a.Remote.Compare(b.Remote) }) {
		t.Error("natural order is not by peer")
	}
	// s steps through the columns: Proto, State, Recv-Q, Send-Q.
	m = keys(t, m, "s", "s", "s", "s")
	if got := m.sockets.cols[m.sockets.table.sort.col].title; got != "Send-Q" {
		t.Fatalf("after s x4 sorted by %s, want Send-Q", got)
	}
	est = rowsOf(m, model.StateEstablished)
	if !slices.IsSortedFunc(est, func(a, b *model.Socket) int { return int(a.SendQ) - int(b.SendQ) }) {
		t.Error("not sorted by Send-Q ascending")
	}
	m = keys(t, m, "S")
	est = rowsOf(m, model.StateEstablished)
	if est[0].SendQ != 190 || !slices.IsSortedFunc(est, func(a, b *model.Socket) int { return int(b.SendQ) - int(a.SendQ) }) {
		t.Errorf("S: not sorted by Send-Q descending, first %d", est[0].SendQ)
	}
	if !strings.Contains(screen(m), "▼Send-Q") {
		t.Error("the sorted column is not marked")
	}
	// Sorting keeps the cursor on the socket it was on.
	m = keys(t, m, "down", "down", "down", "down", "down", "down", "down")
	i, ok := m.sockets.selected()
	if !ok {
		t.Fatal("no socket selected")
	}
	before := *m.c.net.Diff.Socket(i)
	m = keys(t, m, "S")
	j, _ := m.sockets.selected()
	if after := *m.c.net.Diff.Socket(j); after != before {
		t.Errorf("cursor moved from %v to %v on re-sort", before.Local, after.Local)
	}
}

func TestFilter(t *testing.T) {
	m := newTestModel(t, 120, 40, testConfig(fixture(t0)))
	m = keys(t, m, "/", "type:state time-wait", "enter")
	if diff := cmp.Diff([]string{"TIME_WAIT 170"}, groupSummary(m)); diff != "" {
		t.Fatalf("state time-wait (-want +got):\n%s", diff)
	}
	if s := screen(m); !strings.Contains(s, "filter: state time-wait") {
		t.Errorf("filter not shown:\n%s", s)
	}
	// A typo: the error shows inline as it is typed, enter keeps it open,
	// and the last good filter stays in force.
	m = keys(t, m, "/", "ctrl+u", "type:state time-wiat")
	s := screen(m)
	if !strings.Contains(s, `✗ unknown state "time-wiat"`) {
		t.Errorf("no inline error for a typo:\n%s", s)
	}
	m = keys(t, m, "enter")
	if !m.filter.editing || m.filter.err == nil {
		t.Error("enter on a bad filter closed the input")
	}
	if diff := cmp.Diff([]string{"TIME_WAIT 170"}, groupSummary(m)); diff != "" {
		t.Errorf("bad filter replaced the good one (-want +got):\n%s", diff)
	}
	m = keys(t, m, "esc")
	if m.filter.editing || m.filter.err != nil {
		t.Error("esc did not close the input")
	}
	// The filter language's full grammar: ports, addresses, processes.
	m = keys(t, m, "/", "ctrl+u", "type:state established dst 10.0.0.9 and dport = :5432", "enter")
	if diff := cmp.Diff([]string{"ESTABLISHED 20"}, groupSummary(m)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	m = keys(t, m, "/", "ctrl+u", "type:exclude listening process nginx", "enter")
	if diff := cmp.Diff([]string{"ESTABLISHED 14", "FIN_WAIT2 1"}, groupSummary(m)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	m = keys(t, m, "ctrl+u")
	if len(m.sockets.rows.groups) != 7 {
		t.Errorf("ctrl+u did not clear the filter: %v", groupSummary(m))
	}
}

func TestStateToggles(t *testing.T) {
	m := newTestModel(t, 120, 40, testConfig(fixture(t0)))
	m = keys(t, m, "w", "e", "l")
	want := []string{"SYN_SENT 1", "FIN_WAIT2 1", "CLOSE_WAIT 24", "UNCONN 1"}
	if diff := cmp.Diff(want, groupSummary(m)); diff != "" {
		t.Errorf("after w e l (-want +got):\n%s", diff)
	}
	m = keys(t, m, "w")
	if !slices.Contains(groupSummary(m), "TIME_WAIT 170") {
		t.Error("w again did not bring TIME_WAIT back")
	}
	m = keys(t, m, "a")
	if len(m.sockets.rows.groups) != 7 {
		t.Errorf("a did not show all states: %v", groupSummary(m))
	}
}

func TestFlags(t *testing.T) {
	m := newTestModel(t, 120, 40, testConfig(fixture(t0)))
	d := m.c.net.Dests.Lookup(model.ProtoTCP, netip.MustParseAddrPort("10.0.0.9:5432"))
	if d == nil || d.Severity() < analyze.SeverityWarn {
		t.Fatalf("database endpoint not flagged warn: %+v", d)
	}
	m = keys(t, m, "2")
	s := screen(m)
	// The flagged destination comes first, its flag as words and symbols.
	lines := strings.Split(s, "\n")
	first := lines[headerLines+1]
	// 169 TIME_WAIT: the fixture's one on port 40100, where a listener
	// is, was an accepted connection, and has a row of its own.
	if !strings.Contains(first, "10.0.0.9:5432") || !strings.Contains(first, "▲ TW") || !strings.Contains(first, "169") {
		t.Errorf("first row of Remote endpoints: %q", first)
	}
	if !strings.Contains(s, "▲ CW 24") {
		t.Errorf("CLOSE_WAIT to the cache not flagged:\n%s", s)
	}
	// The filter narrows counts, never flags.
	m = keys(t, m, "/", "type:state time-wait", "enter")
	s = screen(m)
	if !strings.Contains(s, "10.0.0.9:5432") || strings.Contains(s, "10.0.0.7:6379") {
		t.Errorf("filtered Remote endpoints:\n%s", s)
	}
	if !strings.Contains(s, "▲ TW") {
		t.Errorf("the filter dropped the flag:\n%s", s)
	}
	// The Sockets view's TIME_WAIT header names the flagged endpoint.
	m = keys(t, m, "1")
	if !strings.Contains(screen(m), "TIME_WAIT 170  ▲ TW") {
		t.Errorf("TIME_WAIT group header not flagged:\n%s", screen(m))
	}
}

// TestNewChangedClosed follows sockets over three samples: one appears,
// one changes state, one closes; the marks last Recent, the closed one
// lingers dimmed as long and then goes.
func TestNewChangedClosed(t *testing.T) {
	a := fixture(t0)
	b := fixture(t0.Add(time.Second))
	b.Sockets = slices.Clone(b.Sockets)
	// Socket 7 (an nginx client) closes; the first database connection
	// goes to TIME_WAIT; a new connection appears.
	closed := b.Sockets[7]
	b.Sockets = slices.Delete(b.Sockets, 7, 8)
	var changed *model.Socket
	for i := range b.Sockets {
		if b.Sockets[i].Remote.Port() == 5432 && b.Sockets[i].State == model.StateEstablished {
			b.Sockets[i].State = model.StateTimeWait
			changed = &b.Sockets[i]
			break
		}
	}
	fresh := model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateEstablished, Cookie: 99999,
		Local: netip.MustParseAddrPort("10.0.0.5:443"), Remote: netip.MustParseAddrPort("192.0.2.250:50000")}
	b.Sockets = append(b.Sockets, fresh)
	c := fixture(t0.Add(5 * time.Second))
	c.Sockets = slices.Clone(b.Sockets)

	cfg := testConfig(a, b, c)
	m := newTestModel(t, 120, 60, cfg)
	if s := screen(m); strings.Contains(s, "new") {
		t.Errorf("first sample marks sockets new:\n%s", s)
	}
	m = takeSample(t, m)
	s := screen(m)
	for _, want := range []struct{ mark, text string }{
		{"+ tcp   ESTABLISHED", fresh.Remote.String()},
		{"- tcp   ESTABLISHED", closed.Remote.String()},
		{"~ tcp   TIME_WAIT", changed.Local.String() + " "},
		{"▾ ESTABLISHED 34  +1 new  -1 closed", ""},
		{"▾ TIME_WAIT 171  ~1 changed", ""},
	} {
		if line := lineWith(s, want.mark, want.text); line == "" {
			t.Errorf("second sample: no line with %q and %q in\n%s", want.mark, want.text, s)
		}
	}
	// A closed socket still names the process that held it.
	if line := lineWith(s, "- tcp   ESTABLISHED", closed.Remote.String()); !strings.Contains(line, "nginx/812") {
		t.Errorf("closed socket's row lost its owner: %q", line)
	}
	// Four seconds on: marks are gone, the closed socket too.
	m = takeSample(t, m)
	s = screen(m)
	for _, gone := range []string{"+ tcp", "- tcp", "~ tcp", "new", "changed", "closed"} {
		if strings.Contains(s, gone) {
			t.Errorf("third sample still shows %q:\n%s", gone, s)
		}
	}
}

// TestEscapes: a process named with a terminal escape sequence is shown
// escaped in every view; no control character reaches the terminal but
// the styles' own.
func TestEscapes(t *testing.T) {
	m := newTestModel(t, 120, 40, testConfig(fixture(t0)))
	for _, v := range []string{"1", "2", "3", "4", "5"} {
		m = keys(t, m, v)
		raw := m.View().Content
		if strings.Contains(raw, "\x07") || strings.Contains(raw, "\x1b[2J") || strings.Contains(raw, "]0;pwned") && !strings.Contains(raw, `\x1b]0;pwned`) {
			t.Errorf("view %s: raw escape sequence reaches the terminal", v)
		}
	}
	m = keys(t, m, "1", "down", "down", "down", "down")
	if s := screen(m); !strings.Contains(s, `\x1b]0;pwne`) {
		t.Errorf("escaped name not shown:\n%s", s)
	}
	m = keys(t, m, "enter")
	if s := screen(m); !strings.Contains(s, `\x1b]0;pwned\x07evil/1333`) {
		t.Errorf("detail pane: escaped name not shown:\n%s", s)
	}
	m = keys(t, m, "esc", "4")
	if s := screen(m); !strings.Contains(s, `\x1b]0;pwned\x07`) {
		t.Errorf("Processes view: escaped name not shown:\n%s", s)
	}
}

func TestPauseAndRefresh(t *testing.T) {
	m := newTestModel(t, 120, 40, testConfig(fixture(t0), fixture(t0.Add(time.Second))))
	m = keys(t, m, "space")
	if !m.loop.paused || !strings.Contains(screen(m), "PAUSED") {
		t.Fatal("space did not pause")
	}
	if _, cmd := m.Update(tickMsg{}); cmd != nil {
		t.Error("a tick while paused starts a sample")
	}
	next, cmd := m.Update(keyMsg("r"))
	m = next.(Model)
	if cmd == nil || !m.loop.inflight {
		t.Error("r did not start a sample while paused")
	}
	m = update(t, m, cmd())
	if !m.c.now.Equal(t0.Add(time.Second).Add(3 * time.Millisecond)) {
		t.Errorf("r: sample at %v", m.c.now)
	}
	m = keys(t, m, "space")
	if m.loop.paused {
		t.Error("space did not resume")
	}
}

func TestDetailAsksForTCPInfo(t *testing.T) {
	cfg := testConfig(fixture(t0))
	var asked []model.Socket
	cfg.TCPInfo = func(_ context.Context, s model.Socket) (model.TCPInfo, error) {
		asked = append(asked, s)
		return model.TCPInfo{State: s.State, RTT: 1500 * time.Microsecond, SndCwnd: 10, SndSsthresh: model.SsthreshInfinite, BytesAcked: 4097, Congestion: "cubic"}, nil
	}
	m := newTestModel(t, 120, 40, cfg)
	m = keys(t, m, "X", "X") // unfold all
	for range 10 {
		m = keys(t, m, "down")
	}
	i, _ := m.sockets.selected()
	want := *m.c.net.Diff.Socket(i)
	if want.State != model.StateEstablished {
		t.Fatalf("selected a %s socket", want.State)
	}
	next, cmd := m.Update(keyMsg("enter"))
	m = next.(Model)
	if len(asked) != 0 {
		t.Fatal("tcp_info asked for before the command ran")
	}
	m = update(t, m, cmd())
	if len(asked) != 1 || asked[0] != want {
		t.Fatalf("tcp_info asked for %v, want only the selected %v", asked, want.Local)
	}
	s := screen(m)
	for _, w := range []string{"rtt 1.5ms", "cwnd 10", "ssthresh ∞", "acked 4097B", "cc cubic", "cmdline /usr/bin/app --pool=20"} {
		if !strings.Contains(s, w) {
			t.Errorf("detail pane lacks %q:\n%s", w, s)
		}
	}
}

func TestMouseWheel(t *testing.T) {
	m := newTestModel(t, 120, 40, testConfig(fixture(t0)))
	m = update(t, m, tea.MouseWheelMsg{Button: tea.MouseWheelDown}, tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if got := m.sockets.table.cursor; got != 6 {
		t.Errorf("two wheel turns down: cursor %d, want 6", got)
	}
	m = update(t, m, tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if got := m.sockets.table.cursor; got != 3 {
		t.Errorf("one wheel turn up: cursor %d, want 3", got)
	}
	// The page scrolls with the cursor: 300 turns down end on the last line.
	for range 100 {
		m = update(t, m, tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	}
	tb := m.sockets.table
	if tb.cursor != m.sockets.lines()-1 || tb.offset != m.sockets.lines()-m.c.bodyHeight() {
		t.Errorf("at the end: cursor %d offset %d of %d lines (%d on screen)", tb.cursor, tb.offset, m.sockets.lines(), m.c.bodyHeight())
	}
}

func TestResize(t *testing.T) {
	m := newTestModel(t, 120, 40, testConfig(fixture(t0)))
	for _, size := range [][2]int{{80, 24}, {60, 15}, {200, 60}, {80, 24}} {
		m = update(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		checkFits(t, m, size[0], size[1])
	}
}

// checkFits fails unless m's frame is exactly h lines, none wider than w.
func checkFits(t *testing.T, m Model, w, h int) {
	t.Helper()
	lines := strings.Split(m.View().Content, "\n")
	if len(lines) != h {
		t.Errorf("%dx%d: %d lines", w, h, len(lines))
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("%dx%d: line %d is %d cells wide: %q", w, h, i, lw, ansi.Strip(l))
		}
	}
}

// TestParallelSort sorts rows that can be told apart by keys that tie,
// and checks the order of every row: sorted by key, and among equal keys
// as slices.SortFunc leaves each half, the first half's first (above
// 16,383 rows; below, exactly as slices.SortFunc). A merge that loses,
// repeats or reorders a tied row fails.
func TestParallelSort(t *testing.T) {
	for _, n := range []int{0, 1, 100, 16383, 16384, 50001} {
		// Rows are the numbers 0..n-1 shuffled; their keys repeat about
		// three times each.
		keyOf := make([]int, n)
		for i := range keyOf {
			keyOf[i] = (i * 7919) % (n/3 + 1)
		}
		rows := make([]int32, n)
		for i := range rows {
			rows[i] = int32(i)
		}
		rand.New(rand.NewPCG(1, uint64(n))).Shuffle(n, func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		byKey := func(a, b int32) int { return keyOf[a] - keyOf[b] }

		want := slices.Clone(rows)
		if n < 16384 {
			slices.SortFunc(want, byKey)
		} else {
			a, b := want[:n/2], want[n/2:]
			slices.SortFunc(a, byKey)
			slices.SortFunc(b, byKey)
			// A stable sort of the two sorted halves is their merge with
			// ties from the first half first.
			slices.SortStableFunc(want, byKey)
		}
		parallelSort(rows, byKey)
		if !slices.Equal(rows, want) {
			for i := range rows {
				if rows[i] != want[i] {
					t.Errorf("n=%d: row %d is %d (key %d), want %d (key %d)", n, i, rows[i], keyOf[rows[i]], want[i], keyOf[want[i]])
					break
				}
			}
		}
	}
}

// TestOneSampleAtATime: a Collector reads one snapshot at a time, so no
// key starts a sample while one is under way, the first included.
func TestOneSampleAtATime(t *testing.T) {
	m := New(context.Background(), testConfig(fixture(t0)))
	if _, cmd := m.Update(keyMsg("r")); cmd != nil {
		t.Error("r before the first sample arrived started another")
	}
	m = update(t, m, m.collect()())
	next, cmd := m.Update(keyMsg("r"))
	if cmd == nil {
		t.Fatal("r after the sample started nothing")
	}
	if _, cmd := next.(Model).Update(keyMsg("r")); cmd != nil {
		t.Error("a second r started a second sample")
	}
}
