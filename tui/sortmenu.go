package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// sortMenu is the sort menu, as htop's F6: a small list over the left of
// the view shown, of its natural order and its columns on screen, the
// sorted one marked. Up and Down move the cursor, Enter sorts by the
// entry under it, SortReverse sorts by it the other way, Back and
// SortMenu close it. Like a pane it is never changed, only replaced.
type sortMenu struct {
	cursor int
	// cols are the entries' columns, -1 for the natural order, and titles
	// their names.
	cols   []int
	titles []string
}

// newSortMenu opens the menu over page p, the cursor on its sort.
func newSortMenu(c *common, p page) *sortMenu {
	cols, keep := p.shown(c)
	m := &sortMenu{cols: []int{-1}, titles: []string{"natural order"}}
	for _, i := range keep {
		m.cols = append(m.cols, i)
		m.titles = append(m.titles, cols[i].title)
	}
	for k, i := range m.cols {
		if i == p.state().sort.col {
			m.cursor = k
		}
	}
	return m
}

// update answers a key while the menu is open over p: the menu after it,
// nil once closed.
func (m *sortMenu) update(c *common, p page, msg tea.KeyPressMsg) *sortMenu {
	k := &c.keys
	t := p.state()
	switch {
	case key.Matches(msg, k.Up):
		return &sortMenu{cursor: max(0, m.cursor-1), cols: m.cols, titles: m.titles}
	case key.Matches(msg, k.Down):
		return &sortMenu{cursor: min(len(m.cols)-1, m.cursor+1), cols: m.cols, titles: m.titles}
	case key.Matches(msg, k.Enter):
		// Picking the sorted column again keeps its direction.
		if col := m.cols[m.cursor]; col != t.sort.col {
			t.sort = sortSpec{col: col}
		}
	case key.Matches(msg, k.SortReverse):
		col := m.cols[m.cursor]
		t.sort = sortSpec{col: col, desc: col != t.sort.col || !t.sort.desc}
	case key.Matches(msg, k.Back), key.Matches(msg, k.SortMenu):
		return nil
	default:
		return m
	}
	resort(c, p)
	return nil
}

// view draws the menu over lines, the page's: below the page's first
// line (its column titles) when the body has room for that.
func (m *sortMenu) view(c *common, sort sortSpec, lines []string) []string {
	body := c.bodyHeight() + 1
	top := 1
	if body < 6 {
		top = 0
	}
	// Two lines of border and the heading; the hint when there is room.
	room := max(1, body-top-3)
	hint := room >= 4+len(m.cols) || room >= 8
	if hint {
		room--
	}
	from := max(0, min(m.cursor-room/2, len(m.cols)-room))
	entries := []string{c.st.Title.Render("Sort by")}
	for k := from; k < len(m.cols) && k < from+room; k++ {
		mark := "  "
		if m.cols[k] == sort.col {
			mark = sortArrow(sort.desc) + " "
		}
		entry := fit(mark+m.titles[k], 18, false)
		if k == m.cursor {
			entry = c.st.Selected.Render(entry)
		}
		entries = append(entries, entry)
	}
	if hint {
		entries = append(entries, c.st.Dim.Render(c.keys.SortReverse.Help().Key+" reverses"))
	}
	box := strings.Split(c.st.Box.Render(strings.Join(entries, "\n")), "\n")
	out := make([]string, max(len(lines), top+len(box)))
	copy(out, lines)
	for i, b := range box {
		out[top+i] = b + beside(out[top+i], ansi.StringWidth(b))
	}
	return out
}

// beside is what line shows right of its first w cells: the cell the
// menu covers part of is blanked, so no number shows cut.
func beside(line string, w int) string {
	rest := ansi.TruncateLeft(line, w, "")
	plain := ansi.Strip(rest)
	n := 0
	for n < len(plain) && plain[n] != ' ' {
		n++
	}
	cells := ansi.StringWidth(plain[:n])
	return strings.Repeat(" ", cells) + ansi.TruncateLeft(rest, cells, "")
}
