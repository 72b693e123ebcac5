package tui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
)

// footer draws the filter being typed and its error, a collection error,
// or the keys.
func (m *Model) footer() string {
	st := &m.c.st
	switch {
	case m.filter.editing:
		return m.filter.view(st)
	case m.filter.err != nil:
		return st.Error.Render("✗ " + safe(m.filter.err.Error()) + " (kept the last good filter)")
	case m.loop.err != nil:
		return st.Error.Render("✗ " + safe(m.loop.err.Error()))
	}
	hl := help.New()
	hl.Styles.ShortKey = st.Key
	hl.Styles.ShortDesc = st.Dim
	hl.SetWidth(m.c.width)
	return hl.ShortHelpView(m.c.keys.short())
}

// helpLines draws the help screen.
func helpLines(c *common) []string {
	hl := help.New()
	hl.Styles.FullKey = c.st.Key
	hl.Styles.FullDesc = lipgloss.NewStyle()
	hl.SetWidth(c.width)
	groups := c.keys.full()
	if c.width < 100 {
		// Two columns fit 80 cells; three do not.
		groups = [][]key.Binding{groups[0], append(slices.Clone(groups[1]), groups[2]...)}
	}
	text := c.st.Title.Render("Keys") + c.st.Dim.Render("  (any key closes)") + "\n\n" + hl.FullHelpView(groups) + "\n\n" +
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
