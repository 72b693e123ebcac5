package tui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// sockSpecs are the Sockets view's column specs. One cell is kept for
// the mark (+ new, ~ changed, - closed).
func (m *Model) sockSpecs() []colSpec {
	specs := make([]colSpec, len(m.cols))
	for i := range m.cols {
		specs[i] = m.cols[i].colSpec
	}
	return specs
}

// socketLines draws the Sockets view: the column header, then the lines
// on screen, group headers and rows. Only the lines on screen are drawn,
// whatever the number of sockets.
func (m *Model) socketLines() []string {
	specs := m.sockSpecs()
	keep, widths := fitColumns(specs, m.width-2)
	t := &m.tables[viewSockets]
	lines := []string{m.st.Header.Render(headerRow(specs, keep, widths, t.sort))}
	if len(m.socks.groups) == 0 {
		return append(lines, m.st.Dim.Render("  no socket matches"))
	}
	h := m.bodyHeight()
	var buf []byte
	for pos := t.offset; pos < t.offset+h; pos++ {
		g, row, ok := m.socks.at(pos, m.folded)
		if !ok {
			break
		}
		var line string
		if row < 0 {
			line = m.groupLine(g)
		} else {
			line, buf = m.socketLine(m.socks.rows[row], keep, widths, buf)
		}
		if pos == t.cursor {
			line = m.st.Selected.Render(fit(ansi.Strip(line), m.width, false))
		}
		lines = append(lines, line)
	}
	return lines
}

// headCell is column i's title in w cells, with an arrow when the table
// is sorted by it; the arrow is never cut off.
func headCell(title string, w int, right bool, sort sortSpec, i int) string {
	if sort.col != i {
		return fit(title, w, right)
	}
	if right {
		return sortArrow(sort.desc) + fit(title, w-1, true)
	}
	return fit(title, w-1, false) + sortArrow(sort.desc)
}

func sortArrow(desc bool) string {
	if desc {
		return "▼"
	}
	return "▲"
}

// groupLine draws a state group's header: fold mark, state, counts of
// rows, new, changed and closed, and the flags that concern the state.
func (m *Model) groupLine(gi int) string {
	g := m.socks.groups[gi]
	mark := "▾"
	if m.folded(g.state) {
		mark = "▸"
	}
	var b strings.Builder
	b.WriteString(mark + " ")
	b.WriteString(m.st.state(g.state).Bold(true).Render(g.state.String()))
	b.WriteString(" " + strconv.Itoa(g.hi-g.lo-g.closed))
	if g.fresh > 0 {
		b.WriteString(m.st.New.Render("  +" + strconv.Itoa(g.fresh) + " new"))
	}
	if g.changed > 0 {
		b.WriteString(m.st.Changed.Render("  ~" + strconv.Itoa(g.changed) + " changed"))
	}
	if g.closed > 0 {
		b.WriteString(m.st.Dim.Render("  -" + strconv.Itoa(g.closed) + " closed"))
	}
	if f := m.groupFlag(g.state); f != "" {
		b.WriteString("  " + f)
	}
	if m.folded(g.state) {
		b.WriteString(m.st.Dim.Render("  (folded: enter or x)"))
	}
	return b.String()
}

// socketLine draws one socket's row.
func (m *Model) socketLine(i int32, keep, widths []int, buf []byte) (string, []byte) {
	t := m.track
	s := t.Socket(i)
	l := *m.labels
	l.Snapshot = t.SnapshotOf(i)
	mk := t.Mark(i)
	style := lipgloss.Style{}
	markCh := " "
	switch {
	case t.Ghost(i) != nil:
		markCh, style = "-", m.st.Closed
	case recentAt(mk.First, m.now, m.cfg.Recent):
		markCh, style = "+", m.st.New
	case recentAt(mk.Changed, m.now, m.cfg.Recent):
		markCh, style = "~", m.st.Changed
	}
	var b strings.Builder
	b.WriteString(markCh + " ")
	for k, ci := range keep {
		if k > 0 {
			b.WriteByte(' ')
		}
		c := &m.cols[ci]
		buf = c.Append(buf[:0], s, &l)
		b.WriteString(fit(string(buf), widths[k], c.Right))
	}
	line := b.String()
	if markCh != " " {
		line = style.Render(line)
	}
	return line, buf
}
