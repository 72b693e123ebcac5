package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/analyze"
)

// portsModel is a dashboard on the Ports view that has taken both samples
// of portsFixture, five seconds apart.
func portsModel(t *testing.T, w, h int) Model {
	t.Helper()
	m := newTestModel(t, w, h, testConfig(portsFixture(t0, false), portsFixture(t0.Add(5*time.Second), true)))
	return takeSample(t, keys(t, m, "5"))
}

// poolRows is the Ports view's rows as their keys, in order.
func poolRows(m Model) []string {
	var out []string
	for _, r := range m.ports.grid.rows {
		out = append(out, r.key)
	}
	return out
}

func TestPortsReportPerSample(t *testing.T) {
	m := newTestModel(t, 120, 40, testConfig(portsFixture(t0, false), portsFixture(t0.Add(5*time.Second), true)))
	// The first sample's report is from one sample: no counter interval,
	// rates from TIME_WAIT / 60 s, no time to exhaustion.
	r := m.c.net.Ports
	if r == nil || r.Interval != 0 || len(r.Pools) == 0 || r.Pools[0].RateFromSamples || r.Pools[0].Exhaustion != 0 {
		t.Fatalf("first sample's report: %+v", r)
	}
	m = takeSample(t, m)
	r = m.c.net.Ports
	if r.Interval != 5*time.Second || r.Before.TW != 91000 || r.Counters.TW != 91015 {
		t.Errorf("second sample: interval %v, TW %d then %d", r.Interval, r.Before.TW, r.Counters.TW)
	}
	p := r.Pools[0]
	if p.Subject() != "10.0.0.5 → 10.0.0.9:5432" || p.Severity != analyze.SeverityWarn || !p.RateFromSamples || p.Exhaustion != 19*time.Second {
		t.Errorf("database pool: %s %s from samples %v, exhausted in %v", p.Subject(), p.Severity, p.RateFromSamples, p.Exhaustion)
	}
	var kinds []string
	for _, f := range r.Findings {
		kinds = append(kinds, f.Severity.String()+" "+f.Kind.String())
	}
	want := []string{"warn pool", "warn bind-before-connect", "warn listen-overflows", "notice port-in-range", "none fin-timeout"}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestPortsView(t *testing.T) {
	m := portsModel(t, 120, 40)
	if diff := cmp.Diff([]string{"10.0.0.5 → 10.0.0.9:5432", "10.0.0.5 → 203.0.113.1:443"}, poolRows(m)); diff != "" {
		t.Fatalf("pools (-want +got):\n%s", diff)
	}
	s := screen(m)
	for _, w := range []string{
		"ephemeral 40000-40199 (200 ports)", "held by a bind() 1", "bound before connect 1", "U 198 usable per pool",
		"tcp_tw_reuse 2 (loopback)", "TIME_WAIT 160/tcp_max_tw_buckets 4096", "somaxconn 4096", "conntrack 812/262144",
		"TW 3.0", "ListenOverflows 0.4", "ActiveOpens 4.4", "AttemptFails 0.2",
		// The pool's row: in use, usable, free, util, closes, sustains,
		// exhausted in, severity: 18 closed in 5 s by their TIME_WAIT
		// timers, more than the pool sustains.
		"179     198     19   90%      3.6        2.9        19.0s ▲ WARN",
		// ActiveOpens counts more than the pools' closes, and says what.
		"ActiveOpens 4.4 = Closes/s 3.6  + failed 0.2  + open, peer-closed or other 0.6",
		"Findings for 10.0.0.5 → 10.0.0.9:5432, then the host's",
		"19 more connect()", "Do: Reuse connections",
		"▲ WARN  bind-before-connect from 10.0.0.5",
	} {
		if !strings.Contains(s, w) {
			t.Errorf("Ports view lacks %q:\n%s", w, s)
		}
	}
	if strings.Contains(s, "This view will answer") {
		t.Error("the placeholder is still shown")
	}
	// The cursor moves to the other pool: its findings (none) replace the
	// first pool's, the host's stay.
	m = keys(t, m, "down")
	if p := m.ports.selected(&m.c); p == nil || p.Remote.Port() != 443 {
		t.Fatalf("down selected %v", p)
	}
	s = screen(m)
	for _, w := range []string{
		"Findings for 10.0.0.5 → 203.0.113.1:443, then the host's",
		"This pool: nothing found; 197 of its 198 usable ports are free.",
		"▲ WARN  bind-before-connect from 10.0.0.5",
	} {
		if !strings.Contains(s, w) {
			t.Errorf("after down, the view lacks %q:\n%s", w, s)
		}
	}
	if strings.Contains(s, "19 more connect()") {
		t.Error("after down, the first pool's finding is still shown")
	}
	// The cursor stays on its pool across samples.
	m = takeSample(t, m)
	if p := m.ports.selected(&m.c); p == nil || p.Remote.Port() != 443 {
		t.Errorf("after a sample the cursor is on %v", p)
	}
	// Sorting by Free puts the fuller pool first.
	for range 6 {
		m = keys(t, m, "s")
	}
	if got := g(m).cols[m.ports.table.sort.col].title; got != "Free" {
		t.Fatalf("sorted by %s", got)
	}
	if diff := cmp.Diff([]string{"10.0.0.5 → 10.0.0.9:5432", "10.0.0.5 → 203.0.113.1:443"}, poolRows(m)); diff != "" {
		t.Errorf("sorted by Free (-want +got):\n%s", diff)
	}
}

// g is the grid of the aggregate view shown.
func g(m Model) *grid {
	switch m.view {
	case viewRemotes:
		return m.remotes.grid
	case viewListeners:
		return m.listeners.grid
	case viewProcesses:
		return m.processes.grid
	case viewPorts:
		return m.ports.grid
	}
	return nil
}

// TestPortsFindingsPane: enter shows every finding with what each advice
// fixes and does not; the moving keys scroll it; esc closes it.
func TestPortsFindingsPane(t *testing.T) {
	m := portsModel(t, 80, 24)
	if s := screen(m); strings.Contains(s, "Fixes:") || !strings.Contains(s, "enter: every finding") {
		t.Errorf("the view shows what advice fixes, or does not say enter shows it:\n%s", s)
	}
	m = keys(t, m, "enter")
	if m.findings == nil {
		t.Fatal("enter did not open the findings")
	}
	s := screen(m)
	for _, w := range []string{"(esc closes, ↑/↓ scroll)", "Fixes: the churn itself", "Does not fix: ports held by connections", "more lines"} {
		if !strings.Contains(s, w) {
			t.Errorf("findings pane lacks %q:\n%s", w, s)
		}
	}
	before := m
	m = keys(t, m, "down", "down")
	if m.findings.offset != 2 || before.findings.offset != 0 {
		t.Errorf("down down: offset %d (the earlier model's %d)", m.findings.offset, before.findings.offset)
	}
	m = keys(t, m, "G")
	s = screen(m)
	if !strings.Contains(s, "fin-timeout") || strings.Contains(s, "more lines") {
		t.Errorf("G did not scroll to the end:\n%s", s)
	}
	m = keys(t, m, "g")
	if m.findings.offset != 0 {
		t.Errorf("g: offset %d", m.findings.offset)
	}
	m = keys(t, m, "esc")
	if m.findings != nil || m.view != viewPorts {
		t.Error("esc did not close the findings")
	}
}

// TestPortsIgnoresFilter: pools and findings are the whole snapshot's;
// the view says so when a filter is in force.
func TestPortsIgnoresFilter(t *testing.T) {
	m := portsModel(t, 120, 40)
	want := poolRows(m)
	m = keys(t, m, "/", "type:dport = :443", "enter", "w")
	if diff := cmp.Diff(want, poolRows(m)); diff != "" {
		t.Errorf("the filter narrowed the pools (-want +got):\n%s", diff)
	}
	if s := screen(m); !strings.Contains(s, "The filter does not narrow pools or findings") || !strings.Contains(s, "bind-before-connect from 10.0.0.5") {
		t.Errorf("filtered Ports view:\n%s", s)
	}
}

// TestPortsWithoutSettings: a snapshot without settings and counters says
// so rather than showing zeros.
func TestPortsWithoutSettings(t *testing.T) {
	m := newTestModel(t, 120, 40, testConfig(fixture(t0)))
	m = keys(t, m, "5")
	s := screen(m)
	for _, w := range []string{"settings not read", "counters not read", "~2.8"} {
		if !strings.Contains(s, w) {
			t.Errorf("Ports view lacks %q:\n%s", w, s)
		}
	}
	if strings.Contains(s, "tcp_max_tw_buckets") || strings.Contains(s, "conntrack") {
		t.Errorf("settings shown though not read:\n%s", s)
	}
}

// TestPortsFits: at every size the view fills the screen and no line is
// wider than it.
func TestPortsFits(t *testing.T) {
	m := portsModel(t, 120, 40)
	for _, size := range [][2]int{{80, 24}, {60, 15}, {200, 60}, {120, 40}} {
		m = update(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		for _, mm := range []Model{m, keys(t, m, "enter")} {
			checkFits(t, mm, size[0], size[1])
		}
	}
}

// TestPortsEscapes: the findings' text is escaped like every other text
// the kernel may have a hand in.
func TestPortsEscapes(t *testing.T) {
	m := portsModel(t, 120, 40)
	n := *m.c.net
	r := *n.Ports
	r.Findings = append([]analyze.Finding(nil), r.Findings...)
	r.Findings[1].Subject = "evil\x1b]0;x\x07"
	r.Findings[1].Text = "more\x1b[2J"
	n.Ports = &r
	m.c.net = &n
	raw := m.View().Content
	if strings.Contains(raw, "\x07") || strings.Contains(raw, "\x1b[2J") {
		t.Error("a raw escape sequence reaches the terminal")
	}
	if s := screen(m); !strings.Contains(s, `evil\x1b]0;x\x07`) || !strings.Contains(s, `more\x1b[2J`) {
		t.Errorf("escaped text not shown:\n%s", s)
	}
}

func TestPerSecond(t *testing.T) {
	for _, c := range []struct {
		r    float64
		want string
	}{{0, "0"}, {0.04, "0.0"}, {0.45, "0.4"}, {9.99, "9.9"}, {10, "10"}, {2823.7, "2823"}} {
		if got := perSecond(c.r); got != c.want {
			t.Errorf("perSecond(%v) = %q, want %q", c.r, got, c.want)
		}
	}
}
