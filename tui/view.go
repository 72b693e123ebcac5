package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render/escape"
)

const (
	headerLines = 5
	footerLines = 1
)

// View draws the dashboard.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "conntab"
	return v
}

// render draws the whole screen as text, exactly width x height.
func (m *Model) render() string {
	if m.track.Snap == nil {
		msg := "conntab: reading the connection table…"
		if m.err != nil {
			msg = m.st.Error.Render("conntab: " + safe(m.err.Error()))
		}
		return clip(msg, m.width)
	}
	var b strings.Builder
	b.WriteString(clip(m.header(), m.width))
	b.WriteByte('\n')
	body := m.bodyHeight() + 1
	var lines []string
	switch {
	case m.help:
		lines = m.helpLines()
	case m.detail != nil:
		lines = m.detailLines()
	case m.findings != nil:
		lines = m.findingsPaneLines()
	case m.view == viewSockets:
		lines = m.socketLines()
	case m.view == viewPorts:
		lines = m.portsLines()
	default:
		lines = m.gridLines()
	}
	for i := range body {
		if i < len(lines) {
			b.WriteString(clip(lines[i], m.width))
		}
		b.WriteByte('\n')
	}
	b.WriteString(clip(m.footer(), m.width))
	return b.String()
}

// safe escapes untrusted text for the terminal.
func safe(s string) string {
	if escape.IsSafe(s) {
		return s
	}
	return string(escape.AppendSafe(nil, s))
}

// header draws the five header lines.
func (m *Model) header() string {
	snap := m.track.Snap
	st := &m.st
	var title strings.Builder
	title.WriteString(st.Title.Render("conntab"))
	sep := st.Dim.Render(" │ ")
	if m.cfg.Host != "" {
		title.WriteString(sep + safe(m.cfg.Host))
	}
	ns := m.cfg.NetNS
	if ns == "" {
		ns = "netns " + strconv.FormatUint(uint64(snap.NetNS), 10)
	}
	title.WriteString(sep + safe(ns))
	title.WriteString(sep + snap.Source.String())
	title.WriteString(sep + "every " + m.cfg.Interval.String())
	title.WriteString(sep + m.now.Format("15:04:05") + st.Dim.Render(" ("+string(model.AppendDuration(nil, snap.Duration))+")"))
	if m.paused {
		title.WriteString(" " + st.Paused.Render(" ‖ PAUSED "))
	}
	if m.unowned > 0 {
		title.WriteString(sep + st.Notice.Render(fmt.Sprintf("%d sockets of processes you cannot inspect: run as root", m.unowned)))
	}
	lines := []string{
		title.String(),
		m.stateBar(),
		m.stateLegend(),
		m.trends(),
		m.tabs(),
	}
	return strings.Join(lines, "\n")
}

// barLetter is the letter a state's segment of the bar is drawn with, so
// the bar reads without colour.
var barLetter = map[model.State]byte{
	model.StateEstablished: 'E', model.StateTimeWait: 'T', model.StateCloseWait: 'C',
	model.StateListen: 'L', model.StateSynSent: 'S', model.StateSynRecv: 'R',
	model.StateFinWait1: 'F', model.StateFinWait2: 'F', model.StateClosing: 'K',
	model.StateLastAck: 'A', model.StateClose: 'X', model.StateUnconn: 'U',
	model.StateBoundInactive: 'B', model.StateNewSynRecv: 'R',
}

// barOrder is the bar's order of states: the ones that matter most first.
var barOrder = []model.State{
	model.StateEstablished, model.StateTimeWait, model.StateCloseWait, model.StateListen,
	model.StateSynSent, model.StateSynRecv, model.StateNewSynRecv, model.StateFinWait1,
	model.StateFinWait2, model.StateClosing, model.StateLastAck, model.StateClose,
	model.StateUnconn, model.StateBoundInactive,
}

// stateBar draws every socket as one line, a segment per state in
// proportion to its count; a state with any socket gets one cell at least.
func (m *Model) stateBar() string {
	h := &m.history
	if h.total == 0 {
		return m.st.Dim.Render("no sockets")
	}
	w := m.width
	cells := make([]int, len(barOrder))
	used := 0
	for i, s := range barOrder {
		if c := h.last[s&63]; c > 0 {
			cells[i] = max(1, c*w/h.total)
			used += cells[i]
		}
	}
	// Give rounding's leftovers to, or take the excess from, the biggest.
	big := 0
	for i := range cells {
		if cells[i] > cells[big] {
			big = i
		}
	}
	cells[big] = max(1, cells[big]+w-used)
	var b strings.Builder
	for i, s := range barOrder {
		if cells[i] > 0 {
			b.WriteString(m.st.state(s).Reverse(true).Render(strings.Repeat(string(barLetter[s]), cells[i])))
		}
	}
	return b.String()
}

// stateLegend names the bar's letters with their counts: every state
// present, and TIME_WAIT and CLOSE_WAIT always.
func (m *Model) stateLegend() string {
	h := &m.history
	var parts []string
	for _, s := range barOrder {
		c := h.last[s&63]
		if c == 0 && s != model.StateTimeWait && s != model.StateCloseWait {
			continue
		}
		name := string(barLetter[s])
		if m.width >= 120 {
			name += " " + s.String()
		}
		parts = append(parts, m.st.state(s).Render(name)+" "+strconv.Itoa(c))
	}
	return strings.Join(parts, "  ") + m.st.Dim.Render("  total ") + strconv.Itoa(h.total)
}

// trends draws the TIME_WAIT and CLOSE_WAIT sparklines and the ephemeral
// range with its busiest pool, leaving out what fits least when the
// screen is narrow.
func (m *Model) trends() string {
	h := &m.history
	tw, cw := h.series(model.StateTimeWait), h.series(model.StateCloseWait)
	wide := m.width >= 120
	twName, cwName, spark := "TIME_WAIT ", "CLOSE_WAIT ", 20
	if !wide {
		twName, cwName, spark = "TW ", "CW ", 6
	}
	segs := []seg{
		{text: twName + m.st.state(model.StateTimeWait).Render(sparkline(tw, spark)) + " " + strconv.Itoa(h.last[model.StateTimeWait]), drop: 2},
		{text: cwName + m.st.state(model.StateCloseWait).Render(sparkline(cw, spark/2)) + " " + strconv.Itoa(h.last[model.StateCloseWait]), drop: 4},
	}
	return joinFit(append(segs, m.ephemeralSegs(wide)...), m.width)
}

// seg is a part of a header line; drop orders which parts go first when
// the line is too long (higher first; 0 stays).
type seg struct {
	text string
	drop int
}

// joinFit joins segs with two spaces, leaving out segments by their drop
// order until the line fits width.
func joinFit(segs []seg, width int) string {
	for {
		parts := make([]string, 0, len(segs))
		for _, s := range segs {
			parts = append(parts, s.text)
		}
		line := strings.Join(parts, "  ")
		worst := -1
		for i, s := range segs {
			if s.drop > 0 && (worst < 0 || s.drop > segs[worst].drop) {
				worst = i
			}
		}
		if lipgloss.Width(line) <= width || worst < 0 {
			return line
		}
		segs = append(segs[:worst:worst], segs[worst+1:]...)
	}
}

// tabs draws the view tabs and the filter in force.
func (m *Model) tabs() string {
	var b strings.Builder
	for v := range viewCount {
		name := strconv.Itoa(int(v)+1) + " " + viewNames[v]
		if v == m.view {
			b.WriteString(m.st.ActiveTab.Render(name))
		} else {
			b.WriteString(m.st.Tab.Render(name))
		}
	}
	if f := m.filterText(); f != "" {
		b.WriteString(m.st.Dim.Render("  filter: ") + safe(f))
	}
	if m.hidden != 0 {
		b.WriteString(m.st.Dim.Render("  hidden: ") + m.hidden.String())
	}
	return b.String()
}

// footer draws the filter being typed and its error, a collection error,
// or the keys.
func (m *Model) footer() string {
	switch {
	case m.editing:
		// The error comes first: the input pads itself to its width.
		if m.filterErr != nil {
			return m.st.Error.Render("✗ "+safe(m.filterErr.Error())) + "  " + m.input.View()
		}
		return m.input.View()
	case m.filterErr != nil:
		return m.st.Error.Render("✗ " + safe(m.filterErr.Error()) + " (kept the last good filter)")
	case m.err != nil:
		return m.st.Error.Render("✗ " + safe(m.err.Error()))
	}
	hl := help.New()
	hl.Styles.ShortKey = m.st.Key
	hl.Styles.ShortDesc = m.st.Dim
	hl.SetWidth(m.width)
	return hl.ShortHelpView(m.keys.short())
}

// helpLines draws the help screen.
func (m *Model) helpLines() []string {
	hl := help.New()
	hl.Styles.FullKey = m.st.Key
	hl.Styles.FullDesc = lipgloss.NewStyle()
	hl.SetWidth(m.width)
	groups := m.keys.full()
	if m.width < 100 {
		// Two columns fit 80 cells; three do not.
		groups = [][]key.Binding{groups[0], append(slices.Clone(groups[1]), groups[2]...)}
	}
	text := m.st.Title.Render("Keys") + m.st.Dim.Render("  (any key closes)") + "\n\n" + hl.FullHelpView(groups) + "\n\n" +
		"Marks: + new   ~ state changed   - closed (shown dimmed for a few seconds)\n" +
		"Flags: • notice  ▲ warn  ✖ critical: TIME_WAIT buildup, CLOSE_WAIT (docs/flags.md)\n" +
		"Filter: ss's language, e.g.  state time-wait dst 10.0.0.9 and dport = :5432\n" +
		"Ports: pools and findings are the whole snapshot's: the filter does not narrow them;\n" +
		"       a rate marked ~ is TIME_WAIT / 60 s until there is a previous sample;\n" +
		"       enter shows every finding with its advice (docs/exhaustion.md)\n" +
		"Listeners: flags are the audit's findings: ▲ EXPOSED  • PROGRAM  • IN RANGE  ▲ QUEUE FULL;\n" +
		"           enter shows the selected listener's and what to do (docs/listeners.md)"
	return strings.Split(text, "\n")
}
