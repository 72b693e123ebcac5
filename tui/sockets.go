package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/sample"
)

// foldAbove is how many sockets a state group needs to start folded: a
// host with 90,000 established connections should first see its groups,
// not the first screen of one of them. A group the user folds or unfolds
// stays so.
const foldAbove = 500

// socketsView is the Sockets view: every socket the filter and the state
// toggles let through, grouped by state, a group folded to its header
// line or unfolded to its rows; enter opens the detail pane on a socket.
// Its rows are the selection the aggregate views count (common.sel).
type socketsView struct {
	table tableState
	cols  []sockCol
	rows  sockRows
	fold  map[model.State]bool // the user's choice, per state
}

func newSocketsView() socketsView {
	return socketsView{table: tableState{sort: naturalOrder}, cols: sockColumns(), fold: map[model.State]bool{}}
}

// rebuild selects, groups and sorts the sample's sockets anew.
func (v *socketsView) rebuild(c *common) {
	v.rows = buildSockRows(c, v.table.sort)
	v.rows.sortVisible(c.net.Diff, v.cols, c.labels, v.folded)
}

// refresh sorts the rows again when the sort changed, and puts the cursor
// back on its row.
func (v *socketsView) refresh(c *common) {
	if v.rows.sort != v.table.sort {
		v.rows.sort = v.table.sort
		for gi := range v.rows.groups {
			v.rows.groups[gi].sorted = false
		}
	}
	v.rows.sortVisible(c.net.Diff, v.cols, c.labels, v.folded)
	v.restoreCursor(c)
}

func (v *socketsView) update(c *common, msg tea.KeyPressMsg) (opened, tea.Cmd) {
	switch {
	case key.Matches(msg, c.keys.Collapse):
		v.toggleFold(c)
	case key.Matches(msg, c.keys.ExpandAll):
		v.toggleFoldAll(c)
	case key.Matches(msg, c.keys.Enter):
		return v.enter(c)
	}
	return opened{}, nil
}

// enter opens the detail pane on the socket under the cursor, or folds
// or unfolds the group whose header it is on.
func (v *socketsView) enter(c *common) (opened, tea.Cmd) {
	i, ok := v.selected()
	if !ok {
		v.toggleFold(c)
		return opened{}, nil
	}
	d := newDetailPane(c, i)
	return opened{detail: d}, d.ask(c)
}

func (v *socketsView) state() *tableState   { return &v.table }
func (v *socketsView) height(c *common) int { return c.bodyHeight() }
func (v *socketsView) lines() int           { return v.rows.lines(v.folded) }

// folded reports whether state group s is folded: as the user left it, or
// by its size until the user touches it.
func (v *socketsView) folded(s model.State) bool {
	if f, ok := v.fold[s]; ok {
		return f
	}
	for _, g := range v.rows.groups {
		if g.state == s {
			return g.hi-g.lo > foldAbove
		}
	}
	return false
}

// selected returns the Diff index of the socket under the cursor.
func (v *socketsView) selected() (int32, bool) {
	_, row, ok := v.rows.at(v.table.cursor, v.folded)
	if !ok || row < 0 {
		return 0, false
	}
	return v.rows.rows[row], true
}

func (v *socketsView) remember(c *common) {
	t := &v.table
	t.sel = rowID{}
	g, row, ok := v.rows.at(t.cursor, v.folded)
	if !ok {
		return
	}
	if row < 0 {
		t.sel = rowID{header: true, state: v.rows.groups[g].state}
		return
	}
	d := c.net.Diff
	t.sel = rowID{id: sample.SocketID(d.Seed, d.Socket(v.rows.rows[row]))}
}

// restoreCursor puts the cursor back on the remembered socket or group
// header, or keeps its line when that is gone.
func (v *socketsView) restoreCursor(c *common) {
	if line, ok := v.lineOfSel(c); ok {
		v.table.cursor = line
	}
	clampCursor(c, v)
}

// lineOfSel is the line of the remembered row, if it is on screen.
func (v *socketsView) lineOfSel(c *common) (int, bool) {
	sel := v.table.sel
	if sel == (rowID{}) {
		return 0, false
	}
	d := c.net.Diff
	for gi, g := range v.rows.groups {
		if sel.header {
			if g.state == sel.state {
				return v.rows.lineOf(gi, -1, v.folded), true
			}
			continue
		}
		if v.folded(g.state) {
			continue
		}
		for row := g.lo; row < g.hi; row++ {
			if sample.SocketID(d.Seed, d.Socket(v.rows.rows[row])) == sel.id {
				return v.rows.lineOf(gi, row, v.folded), true
			}
		}
	}
	return 0, false
}

// toggleFold folds or unfolds the group under the cursor (or the cursor's
// row's group).
func (v *socketsView) toggleFold(c *common) {
	g, _, ok := v.rows.at(v.table.cursor, v.folded)
	if !ok {
		return
	}
	s := v.rows.groups[g].state
	v.fold[s] = !v.folded(s)
	v.rows.sortVisible(c.net.Diff, v.cols, c.labels, v.folded)
	v.table.cursor = v.rows.lineOf(g, -1, v.folded)
	v.remember(c)
	scrollToCursor(c, v)
}

// toggleFoldAll unfolds every group when any is folded, else folds all.
func (v *socketsView) toggleFoldAll(c *common) {
	if len(v.rows.groups) == 0 {
		return // no sample yet, or no socket matches
	}
	anyFolded := false
	for _, g := range v.rows.groups {
		anyFolded = anyFolded || v.folded(g.state)
	}
	for _, g := range v.rows.groups {
		v.fold[g.state] = !anyFolded
	}
	v.rows.sortVisible(c.net.Diff, v.cols, c.labels, v.folded)
	v.restoreCursor(c)
}
