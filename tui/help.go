package tui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// helpScreen is the help screen over the view shown: every key of the
// KeyMap by what it does, in as many columns as fit, then the legends,
// scrolled by the moving keys; Back and Help close it. Like a pane it is
// never changed, only replaced.
type helpScreen struct{ offset int }

// update answers a key while the screen is open: the screen after it,
// nil once closed.
func (h *helpScreen) update(c *common, msg tea.KeyPressMsg) *helpScreen {
	if key.Matches(msg, c.keys.Back) || key.Matches(msg, c.keys.Help) {
		return nil
	}
	if d, ok := c.keys.step(msg, c.bodyHeight()); ok {
		return h.scroll(c, d)
	}
	return h
}

// scroll is the screen scrolled by d lines, no further than its last
// screen.
func (h *helpScreen) scroll(c *common, d int) *helpScreen {
	last := max(0, len(helpLines(c))-(c.bodyHeight()+1))
	return &helpScreen{offset: max(0, min(last, h.offset+d))}
}

// view draws the screen from its scroll position, saying how much more
// there is below.
func (h *helpScreen) view(c *common) []string {
	lines := helpLines(c)
	body := c.bodyHeight() + 1
	lines = lines[max(0, min(h.offset, len(lines)-body)):]
	if len(lines) > body {
		more := len(lines) - body + 1
		lines = append(lines[:body-1:body-1], c.st.Dim.Render("↓ "+strconv.Itoa(more)+" more lines ("+
			c.keys.Down.Help().Key+", "+c.keys.PageDown.Help().Key+")"))
	}
	return lines
}

// helpLines is the whole help screen: the keys, then the legends, wrapped
// to the screen.
func helpLines(c *common) []string {
	k := &c.keys
	title := c.st.Title.Render("Keys") + c.st.Dim.Render("  ("+k.Back.Help().Key+" or "+k.Help.Help().Key+" closes, "+
		k.Up.Help().Key+" "+k.Down.Help().Key+" "+k.PageUp.Help().Key+" "+k.PageDown.Help().Key+" scroll)")
	lines := append([]string{title, ""}, keyColumns(c)...)
	lines = append(lines, "")
	for _, l := range legends {
		lines = append(lines, wrap(l, c.width, "", "    ")...)
	}
	return lines
}

// legends say what the marks, flags and notes of the views mean.
var legends = []string{
	"Marks: + new   ~ state changed   - closed (shown dimmed for a few seconds)",
	"Flags: • notice  ▲ warn  ✖ critical: TIME_WAIT buildup, CLOSE_WAIT (docs/flags.md)",
	"Filter: ss's language, e.g.  state time-wait dst 10.0.0.9 and dport = :5432",
	"Ports: pools and findings are the whole snapshot's: the filter does not narrow them; " +
		"a rate marked ~ is TIME_WAIT / 60 s until there is a previous sample; " +
		"enter shows every finding with its advice (docs/exhaustion.md)",
	"Listeners: flags are the audit's findings: ▲ EXPOSED  • PROGRAM  • IN RANGE  ▲ QUEUE FULL; " +
		"enter shows the selected listener's and what to do (docs/listeners.md)",
}

// keyColumns lays the KeyMap's sections out in as many columns as the
// screen's width holds, three at most, each section whole in one column.
func keyColumns(c *common) []string {
	var sections [][]string
	for _, s := range c.keys.full() {
		sections = append(sections, sectionLines(c, s))
	}
	for n := 3; n > 1; n-- {
		if lines, ok := packColumns(sections, n, c.width); ok {
			return lines
		}
	}
	var lines []string
	for i, s := range sections {
		if i > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, s...)
	}
	return lines
}

// sectionLines draws a section: its heading, then a key and what it does
// a line.
func sectionLines(c *common, s helpSection) []string {
	kw := 0
	for _, b := range s.keys {
		kw = max(kw, cellWidth(b.Help().Key))
	}
	lines := []string{c.st.Title.Render(s.title)}
	for _, b := range s.keys {
		h := b.Help()
		lines = append(lines, c.st.Key.Render(fit(h.Key, kw, false))+" "+h.Desc)
	}
	return lines
}

// packColumns puts the sections, in order, into n columns of about equal
// height, two cells apart, a blank line between sections; ok is false
// when they are wider than width.
func packColumns(sections [][]string, n, width int) (lines []string, ok bool) {
	total := 0
	for _, s := range sections {
		total += len(s) + 1
	}
	target := (total + n - 1) / n
	cols := make([][]string, 1, n)
	for _, s := range sections {
		cur := &cols[len(cols)-1]
		if len(*cur) > 0 && len(*cur)+len(s) > target && len(cols) < n {
			cols = append(cols, nil)
			cur = &cols[len(cols)-1]
		}
		if len(*cur) > 0 {
			*cur = append(*cur, "")
		}
		*cur = append(*cur, s...)
	}
	widths, sum, height := make([]int, len(cols)), 2*(len(cols)-1), 0
	for i, col := range cols {
		for _, l := range col {
			widths[i] = max(widths[i], ansi.StringWidth(l))
		}
		sum += widths[i]
		height = max(height, len(col))
	}
	if sum > width {
		return nil, false
	}
	for row := range height {
		var b strings.Builder
		for i, col := range cols {
			cell := ""
			if row < len(col) {
				cell = col[row]
			}
			if i < len(cols)-1 {
				cell += strings.Repeat(" ", widths[i]-ansi.StringWidth(cell)+2)
			}
			b.WriteString(cell)
		}
		lines = append(lines, strings.TrimRight(b.String(), " "))
	}
	return lines, true
}
