package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/conntab/conntab/model"
)

// view is one of the dashboard's screens.
type view int

const (
	viewSockets view = iota
	viewRemotes
	viewListeners
	viewProcesses
	viewPorts
	viewCount
)

var viewNames = [viewCount]string{"Sockets", "Remote endpoints", "Listeners", "Processes", "Ports"}

// page is a view as a sub-model: a table with a cursor, made from the
// sample in common, that draws its own body and answers its own keys.
// The parent calls it only while it is shown.
type page interface {
	// refresh makes the rows again (a new sample, filter, sort, or the
	// view shown again) and puts the cursor back on the row it was on.
	refresh(c *common)
	// update answers a key the parent passes on, after the moving and
	// sorting keys (tableKey): enter, folding. It may open a pane.
	update(c *common, msg tea.KeyPressMsg) (opened, tea.Cmd)
	// view draws the body: the table and what goes with it.
	view(c *common) []string

	state() *tableState
	// columns is the number of columns the table sorts by.
	columns() int
	// height is the number of rows on screen; lines the number of rows.
	height(c *common) int
	lines() int
	// remember records which row the cursor is on.
	remember(c *common)
}

// opened is a pane a view opens over itself with enter, at most one.
type opened struct {
	detail   *detailPane
	findings *findingsPane
}

// tableState is a view's cursor, scroll position and sort.
type tableState struct {
	cursor, offset int
	sort           sortSpec
	// sel identifies the selected row, to keep it selected when the rows
	// change under it.
	sel rowID
}

// rowID identifies a row across samples: a socket id, or a group header.
type rowID struct {
	id     uint64
	header bool
	state  model.State
	key    string // the aggregate views' row key
}

// sortSpec is how a table is sorted: a column (-1: the view's natural
// order) and a direction.
type sortSpec struct {
	col  int
	desc bool
}

// naturalOrder is a table's sort before any sort key.
var naturalOrder = sortSpec{col: -1}

// next is the sort by the column after s's, the natural order coming
// after the last of cols.
func (s sortSpec) next(cols int) sortSpec {
	col := s.col + 1
	if col >= cols {
		col = -1
	}
	return sortSpec{col: col}
}

// tableKey answers the keys every table answers alike, and reports
// whether msg was one: the moving keys move the cursor, a page being the
// table's height, and the sorting keys sort it again.
func tableKey(c *common, p page, msg tea.KeyPressMsg) bool {
	if d, ok := c.keys.step(msg, p.height(c)); ok {
		move(c, p, d)
		return true
	}
	t := p.state()
	switch {
	case key.Matches(msg, c.keys.Sort):
		t.sort = t.sort.next(p.columns())
	case key.Matches(msg, c.keys.SortReverse):
		t.sort.desc = !t.sort.desc
	default:
		return false
	}
	if c.net != nil { // else the first sample sorts
		p.refresh(c)
	}
	return true
}

// move moves p's cursor by d lines, clamped, and scrolls to it.
func move(c *common, p page, d int) {
	t := p.state()
	t.cursor = max(0, min(p.lines()-1, t.cursor+d))
	p.remember(c)
	scrollToCursor(c, p)
}

// scrollToCursor scrolls p so its cursor is on screen.
func scrollToCursor(c *common, p page) {
	t := p.state()
	h := p.height(c)
	t.offset = max(0, min(t.offset, p.lines()-h))
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+h {
		t.offset = t.cursor - h + 1
	}
}

// clampCursor keeps p's cursor on one of its lines and on screen, after
// its rows changed.
func clampCursor(c *common, p page) {
	t := p.state()
	t.cursor = max(0, min(t.cursor, p.lines()-1))
	scrollToCursor(c, p)
}

// headerRow is the column titles of the kept columns, the sorted one
// marked, after the two cells of the mark column.
func headerRow(cols []colSpec, keep, widths []int, sort sortSpec) string {
	var head strings.Builder
	head.WriteString("  ")
	for k, i := range keep {
		if k > 0 {
			head.WriteByte(' ')
		}
		head.WriteString(headCell(cols[i].title, widths[k], cols[i].right, sort, i))
	}
	return head.String()
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
