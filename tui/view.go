package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/conntab/conntab/render/escape"
)

// View draws the dashboard.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "conntab"
	return v
}

// render draws the whole screen as text, exactly width x height: the
// header, the body of what is open (the help screen, a pane, or the view
// shown) and the footer.
func (m *Model) render() string {
	c := &m.c
	if c.net == nil {
		msg := "conntab: reading the connection table…"
		if m.loop.err != nil {
			msg = c.st.Error.Render("conntab: " + safe(m.loop.err.Error()))
		}
		return clip(msg, c.width)
	}
	var b strings.Builder
	b.WriteString(clip(m.header.view(c, m.view, m.loop.paused), c.width))
	b.WriteByte('\n')
	body := c.bodyHeight() + 1
	var lines []string
	switch {
	case m.help:
		lines = helpLines(c)
	case m.detail != nil:
		lines = m.detail.view(c)
	case m.findings != nil:
		lines = m.findings.view(c, m.advisor())
	default:
		lines = m.page().view(c)
	}
	for i := range body {
		if i < len(lines) {
			b.WriteString(clip(lines[i], c.width))
		}
		b.WriteByte('\n')
	}
	b.WriteString(clip(m.footer(), c.width))
	return b.String()
}

// safe escapes untrusted text for the terminal.
func safe(s string) string {
	if escape.IsSafe(s) {
		return s
	}
	return string(escape.AppendSafe(nil, s))
}
