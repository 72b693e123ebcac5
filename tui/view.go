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
	frame, foot := m.frame()
	body := max(1, c.height-len(frame)-len(foot))
	var lines []string
	switch {
	case m.help != nil:
		lines = m.help.view(c)
	case m.detail != nil:
		lines = m.detail.view(c)
	case m.findings != nil:
		lines = m.findings.view(c, m.advisor())
	default:
		lines = m.page().view(c)
		if m.sortMenu != nil {
			lines = m.sortMenu.view(c, m.page().state().sort, lines)
		}
	}
	for i := range body {
		line := ""
		if i < len(lines) {
			line = lines[i]
		}
		frame = append(frame, line)
	}
	frame = append(frame, foot...)
	return clip(strings.Join(frame, "\n"), c.width)
}

// frame is the lines of the header and of the footer. On a screen too
// short for all of them and a line of body, the lines of the header's
// notice go.
func (m *Model) frame() (head, foot []string) {
	head = strings.Split(m.header.view(&m.c, m.view, m.loop.paused), "\n")
	foot = m.footer()
	for len(head) > headerLines && len(head)+len(foot) >= m.c.height {
		head = append(head[:1], head[2:]...)
	}
	return head, foot
}

// frameHeight is len(head)+len(foot) of frame, without drawing the
// header's other lines.
func (m *Model) frameHeight() int {
	notice, foot := len(m.header.notice(&m.c, m.loop.paused)), len(m.footer())
	for notice > 0 && headerLines+notice+foot >= m.c.height {
		notice--
	}
	return headerLines + notice + foot
}

// safe escapes untrusted text for the terminal.
func safe(s string) string {
	if escape.IsSafe(s) {
		return s
	}
	return string(escape.AppendSafe(nil, s))
}
