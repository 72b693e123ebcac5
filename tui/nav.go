package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/sample"
)

// folded reports whether state group s is folded: as the user left it, or
// by its size until the user touches it.
func (m *Model) folded(s model.State) bool {
	if f, ok := m.fold[s]; ok {
		return f
	}
	for _, g := range m.socks.groups {
		if g.state == s {
			return g.hi-g.lo > foldAbove
		}
	}
	return false
}

// rebuild recomputes the rows of every view from the current sample,
// filter and toggles.
func (m *Model) rebuild() {
	if m.track.Snap == nil {
		return
	}
	m.socks = buildSockRows(m.track, m.matcher, m.hidden, m.cols, m.tables[viewSockets].sort, m.labels, m.now, m.cfg.Recent)
	m.socks.sortVisible(m.track, m.cols, m.labels, m.folded)
	m.derived = derived{}
	m.rebuildView()
}

// rebuildView recomputes the rows of the current view, if it is one of the
// aggregate views (the Sockets view's rows are built by rebuild), and
// puts the cursor back on the row it was on.
func (m *Model) rebuildView() {
	if m.track.Snap == nil {
		return
	}
	if m.view == viewSockets {
		// A sort change needs the rows sorted again.
		if m.socks.sort != m.tables[viewSockets].sort {
			m.socks.sort = m.tables[viewSockets].sort
			for gi := range m.socks.groups {
				m.socks.groups[gi].sorted = false
			}
		}
		m.socks.sortVisible(m.track, m.cols, m.labels, m.folded)
	} else {
		m.derived.build(m, m.view)
	}
	m.restoreCursor()
}

// lineCount is the number of lines of the current view's table.
func (m *Model) lineCount() int {
	if m.view == viewSockets {
		return m.socks.lines(m.folded)
	}
	if g := m.derived.grid(m.view); g != nil {
		return len(g.rows)
	}
	return 0
}

// move moves the cursor by d lines, clamped.
func (m *Model) move(d int) {
	t := &m.tables[m.view]
	n := m.lineCount()
	t.cursor = max(0, min(n-1, t.cursor+d))
	m.remember()
	m.scrollToCursor()
}

// tableHeight is the number of rows the current view's table shows: the
// body less the column titles, less a grid's note; the Ports view shares
// its body with its summary and findings.
func (m *Model) tableHeight() int {
	if m.view == viewSockets {
		return m.bodyHeight()
	}
	if m.view == viewPorts {
		return m.portsTableHeight()
	}
	h := m.bodyHeight()
	if g := m.derived.grid(m.view); g != nil && g.note != "" {
		h--
	}
	return max(1, h)
}

// scrollToCursor scrolls so the cursor is on screen.
func (m *Model) scrollToCursor() {
	t := &m.tables[m.view]
	h := m.tableHeight()
	n := m.lineCount()
	t.offset = max(0, min(t.offset, n-h))
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+h {
		t.offset = t.cursor - h + 1
	}
}

// remember records which row the cursor is on.
func (m *Model) remember() {
	t := &m.tables[m.view]
	t.sel = rowID{}
	if m.view == viewSockets {
		g, row, ok := m.socks.at(t.cursor, m.folded)
		if !ok {
			return
		}
		if row < 0 {
			t.sel = rowID{header: true, state: m.socks.groups[g].state}
			return
		}
		t.sel = rowID{id: sample.SocketID(m.track.Seed, m.track.Socket(m.socks.rows[row]))}
		return
	}
	if g := m.derived.grid(m.view); g != nil && t.cursor < len(g.rows) {
		t.sel = rowID{key: g.rows[t.cursor].key}
	}
}

// restoreCursor puts the cursor back on the remembered row, or keeps its
// line when that row is gone.
func (m *Model) restoreCursor() {
	t := &m.tables[m.view]
	if m.view == viewSockets {
		m.restoreSocketCursor(t)
	} else if g := m.derived.grid(m.view); g != nil && t.sel.key != "" {
		for i, r := range g.rows {
			if r.key == t.sel.key {
				t.cursor = i
				break
			}
		}
	}
	t.cursor = max(0, min(t.cursor, m.lineCount()-1))
	m.scrollToCursor()
}

func (m *Model) restoreSocketCursor(t *tableState) {
	sel := t.sel
	if sel == (rowID{}) {
		return
	}
	for gi, g := range m.socks.groups {
		if sel.header {
			if g.state == sel.state {
				t.cursor = m.socks.lineOf(gi, -1, m.folded)
				return
			}
			continue
		}
		if m.folded(g.state) {
			continue
		}
		for row := g.lo; row < g.hi; row++ {
			if sample.SocketID(m.track.Seed, m.track.Socket(m.socks.rows[row])) == sel.id {
				t.cursor = m.socks.lineOf(gi, row, m.folded)
				return
			}
		}
	}
}

// selected returns the tracker index of the socket under the cursor in
// the Sockets view.
func (m *Model) selected() (int32, bool) {
	if m.view != viewSockets {
		return 0, false
	}
	_, row, ok := m.socks.at(m.tables[viewSockets].cursor, m.folded)
	if !ok || row < 0 {
		return 0, false
	}
	return m.socks.rows[row], true
}

// toggleFold folds or unfolds the group under the cursor (or the cursor's
// row's group).
func (m *Model) toggleFold() {
	if m.view != viewSockets {
		return
	}
	g, _, ok := m.socks.at(m.tables[viewSockets].cursor, m.folded)
	if !ok {
		return
	}
	s := m.socks.groups[g].state
	m.fold[s] = !m.folded(s)
	m.socks.sortVisible(m.track, m.cols, m.labels, m.folded)
	m.tables[viewSockets].cursor = m.socks.lineOf(g, -1, m.folded)
	m.remember()
	m.scrollToCursor()
}

// toggleFoldAll unfolds every group when any is folded, else folds all.
func (m *Model) toggleFoldAll() {
	if m.view != viewSockets {
		return
	}
	anyFolded := false
	for _, g := range m.socks.groups {
		anyFolded = anyFolded || m.folded(g.state)
	}
	for _, g := range m.socks.groups {
		m.fold[g.state] = !anyFolded
	}
	m.socks.sortVisible(m.track, m.cols, m.labels, m.folded)
	m.restoreCursor()
}

// enter opens the detail pane on a socket, or folds a group header; in
// the Ports view it opens the selected pool's and the host's findings, in
// the Listeners view the selected listener's.
func (m Model) enter() (tea.Model, tea.Cmd) {
	switch m.view {
	case viewPorts:
		m.findings = &findingsPane{}
		return m, nil
	case viewListeners:
		if r, _ := m.selectedListener(); r != nil {
			m.findings = &findingsPane{}
		}
		return m, nil
	}
	if m.view != viewSockets {
		return m, nil
	}
	i, ok := m.selected()
	if !ok {
		m.toggleFold()
		return m, nil
	}
	m.detail = m.newDetail(i)
	return m, m.detailCmd()
}

// columnCount is the number of sortable columns of the current view.
func (m *Model) columnCount() int {
	if m.view == viewSockets {
		return len(m.cols)
	}
	if g := m.derived.grid(m.view); g != nil {
		return len(g.cols)
	}
	return 0
}
