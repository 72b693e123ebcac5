package tui

import (
	"slices"
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
	// shown is the table's columns and, in order, those on screen.
	shown(c *common) (cols []colSpec, keep []int)
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

// step is the sort by the column on screen d columns right of s's (left
// for d < 0): keep lists the columns on screen, in order, and the natural
// order comes before the first; with cycle, it also comes after the
// last. A sort by a column not on screen steps from the natural order.
// The direction stays.
func (s sortSpec) step(keep []int, d int, cycle bool) sortSpec {
	pos := slices.Index(keep, s.col) + d // -1: the natural order
	switch {
	case cycle && pos >= len(keep):
		pos = -1
	case cycle && pos < -1:
		pos = len(keep) - 1
	}
	pos = max(-1, min(len(keep)-1, pos))
	if pos < 0 {
		return sortSpec{col: -1, desc: s.desc}
	}
	return sortSpec{col: keep[pos], desc: s.desc}
}

// tableKey answers the keys every table answers alike, and reports
// whether msg was one: the moving keys move the cursor, a page being the
// table's height, and the sorting keys sort it again by a column on
// screen (the sort menu is the parent's: it opens over the page).
func tableKey(c *common, p page, msg tea.KeyPressMsg) bool {
	if d, ok := c.keys.step(msg, p.height(c)); ok {
		move(c, p, d)
		return true
	}
	t := p.state()
	switch {
	case key.Matches(msg, c.keys.Sort):
		_, keep := p.shown(c)
		t.sort = t.sort.step(keep, 1, true)
	case key.Matches(msg, c.keys.SortLeft):
		_, keep := p.shown(c)
		t.sort = t.sort.step(keep, -1, false)
	case key.Matches(msg, c.keys.SortRight):
		_, keep := p.shown(c)
		t.sort = t.sort.step(keep, 1, false)
	case key.Matches(msg, c.keys.SortReverse):
		t.sort.desc = !t.sort.desc
	default:
		return false
	}
	resort(c, p)
	return true
}

// resort makes p's rows again in its new order.
func resort(c *common, p page) {
	if c.net != nil { // else the first sample sorts
		p.refresh(c)
	}
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

// headerRow is the titles of the kept columns after the two cells of
// the mark column. The sorted one is marked with an arrow: in its own
// cell when the title leaves one, else in the blank beside the title, so
// the arrow never cuts a title.
func headerRow(cols []colSpec, keep, widths []int, sort sortSpec) string {
	cells := make([]string, len(keep))
	// gaps[k] is the blank before column k; the first is the mark
	// column's second cell.
	gaps := make([]string, len(keep))
	for k := range gaps {
		gaps[k] = " "
	}
	for k, i := range keep {
		title, w, right := cols[i].title, widths[k], cols[i].right
		cells[k] = fit(title, w, right)
		if i != sort.col {
			continue
		}
		arrow := sortArrow(sort.desc)
		switch room := cellWidth(title) < w; {
		case room && right:
			cells[k] = fit(arrow+title, w, true)
		case room:
			cells[k] = fit(title+arrow, w, false)
		case right || k == len(keep)-1:
			gaps[k] = arrow
		default:
			gaps[k+1] = arrow
		}
	}
	var head strings.Builder
	head.WriteString(" ")
	for k := range keep {
		head.WriteString(gaps[k])
		head.WriteString(cells[k])
	}
	return head.String()
}

func sortArrow(desc bool) string {
	if desc {
		return "▼"
	}
	return "▲"
}
