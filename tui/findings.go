package tui

import (
	"strconv"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/conntab/conntab/analyze"
)

// selectedPool is the pool under the Ports view's cursor, or nil.
func (m *Model) selectedPool() *analyze.PoolReport {
	g := m.derived.grid(viewPorts)
	t := &m.tables[viewPorts]
	if g == nil || m.ports == nil || t.cursor >= len(g.rows) {
		return nil
	}
	if i := g.rows[t.cursor].ref; i < len(m.ports.Pools) {
		return &m.ports.Pools[i]
	}
	return nil
}

// findingLines draws the current view's findings, each with its advice,
// wrapped to width: the Listeners view's selected listener's, or the Ports
// view's selected pool's and the host's.
func (m *Model) findingLines(width int, full bool) []string {
	if m.view == viewListeners {
		return m.listenerFindingLines(width, full)
	}
	return m.poolFindingLines(width, full)
}

// poolFindingLines draws the selected pool's findings, then the host's,
// each with its advice, wrapped to width: what to do, and with full what
// each advice fixes and what it does not.
func (m *Model) poolFindingLines(width int, full bool) []string {
	r := m.ports
	if r == nil {
		return nil
	}
	dim := m.st.Dim.Render
	p := m.selectedPool()
	var subject string
	title := m.st.Title.Render("Findings")
	if p != nil {
		subject = p.Subject()
		title += dim(" for ") + subject + dim(", then the host's")
	} else {
		title += dim(" for the host")
	}
	out := []string{ansi.Truncate(title, width, "…")}
	others := 0
	var host []*analyze.Finding
	shown := false
	for i := range r.Findings {
		f := &r.Findings[i]
		switch {
		case f.Kind != analyze.FindPool:
			host = append(host, f)
		case p != nil && f.Subject == subject:
			out = m.appendFinding(out, f, width, full)
			shown = true
		default:
			others++
		}
	}
	if p != nil && !shown {
		out = append(out, wrap(dim("This pool: nothing found; "+strconv.Itoa(p.Free())+" of its "+strconv.Itoa(p.Usable)+" usable ports are free."), width, "", "  ")...)
	}
	for _, f := range host {
		out = append(out, "")
		out = m.appendFinding(out, f, width, full)
	}
	if len(host) == 0 {
		out = append(out, "", dim("The host: nothing found."))
	}
	return appendOthers(out, dim, others, "pool has a finding", "pools have findings")
}

// appendOthers says how many other rows have findings, "1 other pool has
// a finding: …" (one) or "3 other pools have findings: …" (many); nothing
// for none.
func appendOthers(out []string, dim func(...string) string, others int, one, many string) []string {
	switch {
	case others == 1:
		out = append(out, "", dim("1 other "+one+": move the cursor to it."))
	case others > 1:
		out = append(out, "", dim(strconv.Itoa(others)+" other "+many+": move the cursor to them."))
	}
	return out
}

// appendFinding appends one finding: its severity, subject and kind, what
// it found, and what to do, with full what each advice fixes and what it
// does not.
func (m *Model) appendFinding(out []string, f *analyze.Finding, width int, full bool) []string {
	label := sevLabel(f.Severity)
	if label == "" {
		label = "INFO"
	}
	head := m.sevStyle(f.Severity).Render(label) + "  " + m.st.Title.Render(safe(f.Subject)) + m.st.Dim.Render("  "+f.Kind.String())
	out = append(out, ansi.Truncate(head, width, "…"))
	out = append(out, wrap(safe(f.Text), width, "  ", "  ")...)
	for _, a := range f.Advice {
		out = append(out, wrapLabelled(m.st.Title, "Do: ", safe(a.Do), width, "  ", "      ")...)
		if !full {
			continue
		}
		out = append(out, wrapLabelled(m.st.Dim, "Fixes: ", safe(a.Fixes), width, "      ", "      ")...)
		out = append(out, wrapLabelled(m.st.Dim, "Does not fix: ", safe(a.DoesNotFix), width, "      ", "      ")...)
	}
	return out
}

// wrap wraps s to width cells, the first line after first and the others
// after rest.
func wrap(s string, width int, first, rest string) []string {
	w := max(10, width-max(len(first), len(rest)))
	lines := strings.Split(ansi.Wrap(keepFlags(s), w, ""), "\n")
	for i := range lines {
		lines[i] = strings.ReplaceAll(strings.TrimRight(lines[i], " "), string(nbHyphen), "-")
		if i == 0 {
			lines[i] = first + lines[i]
		} else {
			lines[i] = rest + lines[i]
		}
	}
	return lines
}

// nbHyphen stands in for the hyphens that start a word while text is
// wrapped: ansi.Wrap breaks after every hyphen, and advice that says
// "given with --" on one line and "rules" on the next, or "ls -" and "l",
// cannot be read or pasted.
const nbHyphen = '\u2011'

// keepFlags turns the hyphens of s that follow no letter or digit ("--rules",
// "ls -l") into nbHyphen; those within words ("bind-before-connect") and
// ranges ("40000-40199") still break.
func keepFlags(s string) string {
	if !strings.Contains(s, "-") {
		return s
	}
	var b strings.Builder
	prev := ' '
	for _, r := range s {
		if r == '-' && !unicode.IsLetter(prev) && !unicode.IsDigit(prev) {
			r = nbHyphen
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// wrapLabelled wraps label and text together, then styles the label.
func wrapLabelled(st lipgloss.Style, label, text string, width int, first, rest string) []string {
	lines := wrap(label+text, width, first, rest)
	if after, ok := strings.CutPrefix(lines[0], first+label); ok {
		lines[0] = first + st.Render(strings.TrimSpace(label)) + " " + after
	}
	return lines
}

// findingsPane is the current view's findings on the whole screen, opened
// with enter, scrolled: the Ports view's selected pool's and the host's,
// or the Listeners view's selected listener's.
type findingsPane struct {
	offset int
}

// findingsPaneLines draws the findings pane from its scroll position.
func (m *Model) findingsPaneLines() []string {
	lines := m.findingLines(m.width, true)
	lines[0] = ansi.Truncate(lines[0]+m.st.Dim.Render("  (esc closes, ↑/↓ scroll)"), m.width, "…")
	body := m.bodyHeight() + 1
	lines = lines[max(0, min(m.findings.offset, len(lines)-body)):]
	if len(lines) > body {
		more := len(lines) - body + 1
		lines = append(lines[:body-1:body-1], m.st.Dim.Render("↓ "+strconv.Itoa(more)+" more lines"))
	}
	return lines
}

// findingsKey handles a key while the findings pane is open: the moving
// keys scroll it, esc and enter close it.
func (m Model) findingsKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	page := m.bodyHeight()
	switch {
	case key.Matches(msg, k.Back), key.Matches(msg, k.Enter):
		m.findings = nil
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Up):
		m.scrollFindings(-1)
	case key.Matches(msg, k.Down):
		m.scrollFindings(1)
	case key.Matches(msg, k.PageUp):
		m.scrollFindings(-page)
	case key.Matches(msg, k.PageDown):
		m.scrollFindings(page)
	case key.Matches(msg, k.Top):
		m.scrollFindings(-1 << 30)
	case key.Matches(msg, k.Bottom):
		m.scrollFindings(1 << 30)
	}
	return m, nil
}

// scrollFindings scrolls the findings pane by d lines, no further than
// its last screen. The pane is replaced, never changed: an earlier Model
// may share it.
func (m *Model) scrollFindings(d int) {
	last := max(0, len(m.findingLines(m.width, true))-(m.bodyHeight()+1))
	m.findings = &findingsPane{offset: max(0, min(last, m.findings.offset+d))}
}
