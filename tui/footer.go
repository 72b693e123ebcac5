package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// footer draws the footer's lines: the filter line being typed, under
// the reason what is typed does not parse; the reason the last filter
// was not applied, or the sample failed; or the keys. A message wraps
// onto as many lines as it takes (message).
func (m *Model) footer() []string {
	st := &m.c.st
	switch {
	case m.filter.editing:
		var lines []string
		if m.filter.err != nil {
			lines = m.message("✗ " + safe(m.filter.err.Error()))
		}
		return append(lines, m.filter.input.View(st.Selected, st.Dim))
	case m.whatIf.editing:
		var lines []string
		if m.whatIf.err != nil {
			lines = m.message("✗ " + safe(m.whatIf.err.Error()))
		}
		return append(lines, m.whatIf.input.View(st.Selected, st.Dim))
	case m.kill != nil:
		return m.notice(m.c.st.Warn, "Close "+safe(m.kill.what)+"? y closes them; any other key keeps them.")
	case m.killNote != "":
		return m.notice(m.c.st.Notice, m.killNote)
	case m.filter.err != nil:
		return m.message("✗ " + safe(m.filter.err.Error()) + " (kept the last good filter)")
	case m.loop.err != nil:
		return m.message("✗ " + safe(m.loop.err.Error()))
	}
	return []string{keyHints(&m.c.keys, st, m.c.width)}
}

// message wraps an error to the screen, in the error style, on as many
// lines as the header and two lines of table leave.
func (m *Model) message(text string) []string { return m.notice(m.c.st.Error, text) }

// notice wraps text to the screen in style st, as message does.
func (m *Model) notice(st lipgloss.Style, text string) []string {
	lines := wrap(text, m.c.width, "", "  ")
	if most := max(1, m.c.height-headerLines-3); len(lines) > most {
		lines = lines[:most:most]
		lines[most-1] = truncate(lines[most-1]+" "+ellipsis, m.c.width)
	}
	for i := range lines {
		lines[i] = st.Render(lines[i])
	}
	return lines
}

// keyHints is the footer's keys, as many as fit width in the order of
// KeyMap.short, drawn with Help first and Quit last: those two always.
func keyHints(k *KeyMap, st *Styles, width int) string {
	hints := k.short()
	draw := func(n int) string {
		shown := append([]key.Binding{hints[0]}, hints[2:n]...)
		shown = append(shown, hints[1])
		parts := make([]string, len(shown))
		for i, b := range shown {
			parts[i] = st.Key.Render(b.Help().Key) + " " + st.Dim.Render(b.Help().Desc)
		}
		return strings.Join(parts, st.Dim.Render(" • "))
	}
	n := len(hints)
	for n > 2 && ansi.StringWidth(draw(n)) > width {
		n--
	}
	return draw(n)
}
