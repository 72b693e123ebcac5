package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/model"
)

// listenersModel is a dashboard on the Listeners view, having taken the
// first sample of cfg.
func listenersModel(t *testing.T, w, h int, cfg Config) Model {
	t.Helper()
	return keys(t, newTestModel(t, w, h, cfg), "3")
}

// listenerCells is column col of the Listeners view's rows, by row key
// ("tcp 0.0.0.0:6379"), in order.
func listenerCells(m Model, col int) [][2]string {
	var out [][2]string
	for _, r := range m.listeners.grid.rows {
		out = append(out, [2]string{r.key, r.cells[col]})
	}
	return out
}

// TestListenersFlags: each of the fixture's listeners gets the audit's
// findings as flags, the flagged first (warn, then notice), then by
// protocol, port and address, as conntab listeners orders them.
func TestListenersFlags(t *testing.T) {
	m := listenersModel(t, 120, 40, testConfig(fixture(t0)))
	want := [][2]string{
		{"tcp 0.0.0.0:6379", "▲ EXPOSED"},
		{"tcp 10.0.0.5:8080", "▲ QUEUE FULL"},
		{"tcp 0.0.0.0:22", "• PROGRAM"},
		{"tcp 0.0.0.0:40100", "• IN RANGE"},
		{"tcp 0.0.0.0:80", ""},
		{"tcp6 [::]:443", ""},
		{"tcp 127.0.0.1:5432", ""},
		{"udp 127.0.0.53:53", ""},
	}
	if diff := cmp.Diff(want, listenerCells(m, listenersColFlags)); diff != "" {
		t.Errorf("flags (-want +got):\n%s", diff)
	}
	var sevs []analyze.Severity
	for _, r := range m.listeners.grid.rows {
		sevs = append(sevs, r.sev)
	}
	n, w := analyze.SeverityNone, analyze.SeverityWarn
	if diff := cmp.Diff([]analyze.Severity{w, w, analyze.SeverityNotice, analyze.SeverityNotice, n, n, n, n}, sevs); diff != "" {
		t.Errorf("row severities (-want +got):\n%s", diff)
	}
	// The rows read on screen, flags included, in words and symbols.
	s := screen(m)
	for _, line := range []string{
		"tcp 0.0.0.0:6379 all (IPv4) redis",
		"tcp 10.0.0.5:8080 one address http-alt",
		"tcp6 [::]:443 all (dual-stack) https",
	} {
		if !strings.Contains(squeeze(s), line) {
			t.Errorf("Listeners view lacks %q:\n%s", line, s)
		}
	}
	if l := lineWith(s, "  tcp   0.0.0.0:22 ", ""); !strings.Contains(l, `\x1b[2Jevil`) || !strings.HasSuffix(strings.TrimSpace(l), "• PROGRAM") {
		t.Errorf("port 22's row: %q", l)
	}
}

// TestListenersPriv: a port below net.ipv4.ip_unprivileged_port_start
// is privileged; without the setting the column says it does not know.
func TestListenersPriv(t *testing.T) {
	m := listenersModel(t, 120, 40, testConfig(portsFixture(t0, false)))
	want := [][2]string{
		{"tcp 0.0.0.0:6379", "no"}, {"tcp 10.0.0.5:8080", "no"}, {"tcp 0.0.0.0:22", "yes"}, {"tcp 0.0.0.0:40100", "no"},
		{"tcp 0.0.0.0:80", "yes"}, {"tcp6 [::]:443", "yes"}, {"tcp 127.0.0.1:5432", "no"}, {"udp 127.0.0.53:53", "yes"},
	}
	if diff := cmp.Diff(want, listenerCells(m, listenersColPriv)); diff != "" {
		t.Errorf("Priv (-want +got):\n%s", diff)
	}
	m = listenersModel(t, 120, 40, testConfig(fixture(t0)))
	for _, c := range listenerCells(m, listenersColPriv) {
		if c[1] != "?" {
			t.Errorf("settings not read, yet %s is %q", c[0], c[1])
		}
	}
}

// TestListenersScopeSort: sorted by Scope, the most exposed come first:
// both families, then every IPv4 address, one address, loopback.
func TestListenersScopeSort(t *testing.T) {
	m := listenersModel(t, 120, 40, testConfig(fixture(t0)))
	m = keys(t, m, ">", ">", ">")
	if got := g(m).cols[m.listeners.table.sort.col].title; got != "Scope" {
		t.Fatalf("sorted by %s", got)
	}
	var scopes []string
	for _, c := range listenerCells(m, listenersColScope) {
		scopes = append(scopes, c[1])
	}
	want := []string{"all (dual-stack)", "all (IPv4)", "all (IPv4)", "all (IPv4)", "all (IPv4)", "one address", "loopback", "loopback"}
	if diff := cmp.Diff(want, scopes); diff != "" {
		t.Errorf("by Scope (-want +got):\n%s", diff)
	}
}

// TestListenersRules: the rules come from Config; a rules file that says
// redis is public on purpose takes the EXPOSED flag away.
func TestListenersRules(t *testing.T) {
	rules, err := audit.ParseAuditRules(strings.NewReader("local 6379/tcp Redis\npublic 6379/tcp\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(fixture(t0))
	cfg.Rules = rules
	m := listenersModel(t, 120, 40, cfg)
	for _, c := range listenerCells(m, listenersColFlags) {
		if strings.Contains(c[1], "EXPOSED") || strings.Contains(c[1], "PROGRAM") {
			t.Errorf("%s flagged %q though the rules say it is public and expect no program", c[0], c[1])
		}
	}
}

// TestListenersFromProc: /proc reports no backlog, so the queue is not
// judged, and [::] may or may not take IPv4.
func TestListenersFromProc(t *testing.T) {
	snap := fixture(t0)
	snap.Source = model.SourceProc
	for i := range snap.Sockets {
		if s := &snap.Sockets[i]; s.State == model.StateListen {
			s.SendQ, s.V6Only = 0, model.V6OnlyUnknown
		}
	}
	m := listenersModel(t, 120, 40, testConfig(snap))
	for _, c := range listenerCells(m, listenersColQueue) {
		if c[0] == "tcp 10.0.0.5:8080" && c[1] != "128/?" {
			t.Errorf("%s: queue %q, want 128/?", c[0], c[1])
		}
	}
	for _, c := range listenerCells(m, listenersColFlags) {
		if strings.Contains(c[1], "QUEUE FULL") {
			t.Errorf("%s: %q from /proc", c[0], c[1])
		}
	}
	if s := screen(m); !strings.Contains(s, "all (IPv6, IPv4?)") {
		t.Errorf("[::] from /proc is not shown as maybe dual-stack:\n%s", s)
	}
}

// TestListenersFits: the view fills the screen at every size, and the
// Scope column is spelled short where its names would push the process
// out.
func TestListenersFits(t *testing.T) {
	m := listenersModel(t, 120, 40, testConfig(fixture(t0)))
	for _, size := range [][2]int{{80, 24}, {60, 15}, {200, 60}, {120, 40}} {
		m = update(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		checkFits(t, m, size[0], size[1])
	}
	for _, c := range []struct {
		w          int
		scope, not string
	}{{120, "all (dual-stack)", "all46"}, {80, "all46", "all (dual-stack)"}} {
		m = update(t, m, tea.WindowSizeMsg{Width: c.w, Height: 24})
		s := screen(m)
		if !strings.Contains(s, c.scope) || strings.Contains(s, c.not) || !strings.Contains(s, "Process") {
			t.Errorf("at %d cells, want scope %q and the process:\n%s", c.w, c.scope, s)
		}
	}
}

// TestListenersFindingsPane: enter shows the selected listener's findings
// with every advice, what it fixes and what it does not; a process name
// in them is escaped; esc closes the pane.
func TestListenersFindingsPane(t *testing.T) {
	m := listenersModel(t, 120, 40, testConfig(portsFixture(t0, false)))
	if s := screen(m); !strings.Contains(s, "enter: the selected listener's findings") || strings.Contains(s, "Do:") {
		t.Errorf("the view does not say what enter shows, or shows advice in the table:\n%s", s)
	}
	// Each flagged row's pane: its finding's kind, text and advice.
	for row, want := range [][]string{
		{"Findings for tcp 0.0.0.0:6379 (redis)", "exposed", "6379/tcp is Redis", "listens on every IPv4 address",
			"Do: Bind it to 127.0.0.1", "Fixes: the exposure", "Does not fix: clients on other hosts", `("public 6379/tcp")`},
		{"Findings for tcp 10.0.0.5:8080 (http-alt)", "accept-queue", "at its backlog of 128", "somaxconn (now 4096)", "Does not fix: a server that"},
		{"Findings for tcp 0.0.0.0:22 (ssh)", "unexpected-program", `but \x1b[2Jevil (pid 1444) holds it`, "ls -l /proc/1444/exe",
			"Fixes: the doubt", "Does not fix: clients that already talked to it", "process \\x1b[2Jevil/1444"},
		{"Findings for tcp 0.0.0.0:40100", "port-in-range", "inside the ephemeral range 40000-40199", "ip_local_reserved_ports", "Does not fix: U, which stays"},
		{"Findings for tcp 0.0.0.0:80 (http)", "This listener: nothing found.", "4 other listeners have findings"},
	} {
		mm := keys(t, m, "g")
		for range row {
			mm = keys(t, mm, "down")
		}
		mm = keys(t, mm, "enter")
		if mm.findings == nil {
			t.Fatalf("row %d: enter did not open the findings", row)
		}
		s := screen(mm)
		for _, w := range want {
			if !strings.Contains(s, w) {
				t.Errorf("row %d: the pane lacks %q:\n%s", row, w, s)
			}
		}
		if raw := mm.View().Content; strings.Contains(raw, "\x1b[2J") {
			t.Errorf("row %d: a raw escape sequence reaches the terminal", row)
		}
	}
	// At 80x24 the pane scrolls; esc closes it, back on the Listeners view.
	m = keys(t, update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24}), "enter")
	if s := screen(m); !strings.Contains(s, "more lines") {
		t.Errorf("the pane does not say there is more:\n%s", s)
	}
	m = keys(t, m, "down", "down")
	if m.findings.offset != 2 {
		t.Errorf("down down: offset %d", m.findings.offset)
	}
	for _, size := range [][2]int{{80, 24}, {60, 15}, {120, 40}} {
		checkFits(t, update(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]}), size[0], size[1])
	}
	m = keys(t, m, "esc")
	if m.findings != nil || m.view != viewListeners {
		t.Error("esc did not close the findings")
	}
}

// TestListenersEnterWithoutRows: with no listener selected, enter opens
// nothing.
func TestListenersEnterWithoutRows(t *testing.T) {
	m := listenersModel(t, 120, 40, testConfig(fixture(t0)))
	m = keys(t, m, "/", "type:state established", "enter", "enter")
	if m.findings != nil {
		t.Errorf("enter opened findings on an empty table:\n%s", screen(m))
	}
}

// TestListenersWithoutProcesses: without the process walk no program is
// judged, and the view says why.
func TestListenersWithoutProcesses(t *testing.T) {
	snap := fixture(t0)
	snap.Owners = nil
	m := listenersModel(t, 120, 40, testConfig(snap))
	for _, c := range listenerCells(m, listenersColFlags) {
		if strings.Contains(c[1], "PROGRAM") {
			t.Errorf("%s: %q without processes", c[0], c[1])
		}
	}
	if s := screen(m); !strings.Contains(s, "no program is judged") {
		t.Errorf("the view does not say programs are not judged:\n%s", s)
	}
}
