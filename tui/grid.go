package tui

import (
	"cmp"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/conntab/conntab/analyze"
)

// grid is an aggregate view's table: rows of cells made once per sample
// (or filter, or sort), for views whose rows are few compared with the
// sockets they sum up.
type grid struct {
	cols  []gridCol
	rows  []gridRow
	empty string // what to say when there is no row
	note  string // a line under the table, wrapped to the screen
	// fits are what the cells ask of each column's width, shortFits the
	// same with the short spellings (gridRow.short); set makes them.
	fits, shortFits []colFit
}

// measure makes the grid's fits from its cells, once per grid: the
// layout weighs them every frame.
func (g *grid) measure() {
	g.fits = make([]colFit, len(g.cols))
	g.shortFits = make([]colFit, len(g.cols))
	for r := range g.rows {
		row := &g.rows[r]
		for i, cell := range row.cells {
			if i >= len(g.cols) {
				break
			}
			right := g.cols[i].right
			g.fits[i].add(cell, right)
			if g.cols[i].short == nil {
				continue
			}
			if i < len(row.short) && row.short[i] != "" {
				cell = row.short[i]
			}
			g.shortFits[i].add(cell, right)
		}
	}
}

type gridCol = colSpec

type gridRow struct {
	key   string // identifies the row across samples
	ref   int    // the row's index in what it was made from (the Ports view: the report's Pools)
	cells []string
	// sort holds a value per column: numbers compare as numbers, then
	// text as text.
	sort []sortKey
	// sev styles the row's flag cell (flagCol) by its severity.
	sev     analyze.Severity
	flagCol int
	// short holds shorter spellings of cells, by column, for the columns
	// that have them (colSpec.short); nil for none.
	short []string
}

type sortKey struct {
	n int64
	s string
}

func num(n int64) sortKey           { return sortKey{n: n} }
func text(s string) sortKey         { return sortKey{s: s} }
func (k sortKey) cmp(o sortKey) int { return cmp.Or(cmp.Compare(k.n, o.n), strings.Compare(k.s, o.s)) }

// gridView is what the aggregate views (Remote endpoints, Listeners,
// Processes, Ports) share: a grid and the table state over it. The grid
// is made again whenever the view is shown or refreshed, and dropped
// with each sample, so a view not shown costs nothing.
type gridView struct {
	table tableState
	grid  *grid
}

func newGridView() gridView { return gridView{table: tableState{sort: naturalOrder}} }

func (v *gridView) state() *tableState { return &v.table }

// reset drops the grid made from an earlier sample, filter or sort.
func (v *gridView) reset() { v.grid = nil }

func (v *gridView) lines() int {
	if v.grid == nil {
		return 0
	}
	return len(v.grid.rows)
}

// height is the body less the column titles, less the grid's note.
func (v *gridView) height(c *common) int {
	return max(1, c.bodyHeight()-len(v.noteLines(c)))
}

// noteLines is the grid's note, wrapped to the screen.
func (v *gridView) noteLines(c *common) []string {
	if v.grid == nil || v.grid.note == "" {
		return nil
	}
	return wrap(v.grid.note, c.width, "", "  ")
}

func (v *gridView) remember(*common) {
	t := &v.table
	t.sel = rowID{}
	if v.lines() > t.cursor {
		t.sel = rowID{key: v.grid.rows[t.cursor].key}
	}
}

// set makes g, sorted as the table says, the grid, and puts the cursor on
// the row it was on; the view then keeps the cursor on screen
// (clampCursor), by its own height.
func (v *gridView) set(g *grid) {
	s := v.table.sort
	if s.col >= 0 && s.col < len(g.cols) {
		slices.SortStableFunc(g.rows, func(a, b gridRow) int {
			// A row without sort keys (a summary row) stays last.
			if a.sort == nil || b.sort == nil {
				return cmp.Compare(len(b.sort), len(a.sort))
			}
			c := a.sort[s.col].cmp(b.sort[s.col])
			if s.desc {
				c = -c
			}
			return c
		})
	}
	g.measure()
	v.grid = g
	if key := v.table.sel.key; key != "" {
		for i, r := range g.rows {
			if r.key == key {
				v.table.cursor = i
				break
			}
		}
	}
}

// selectedRow is the row under the cursor, or nil.
func (v *gridView) selectedRow() *gridRow {
	if v.grid == nil || v.table.cursor >= len(v.grid.rows) {
		return nil
	}
	return &v.grid.rows[v.table.cursor]
}

// tableLines draws the grid as a table of h rows from the scroll
// position: the column titles, the rows, and the note under them.
func (v *gridView) tableLines(c *common, h int) []string {
	g, t := v.grid, &v.table
	if g == nil {
		return nil
	}
	keep, widths, short := gridLayout(g, c.width-2, t.sort.col)
	lines := []string{c.st.Header.Render(headerRow(g.cols, keep, widths, t.sort))}
	if len(g.rows) == 0 {
		lines = append(lines, c.st.Dim.Render("  "+g.empty))
	}
	for pos := t.offset; pos < t.offset+h && pos < len(g.rows); pos++ {
		r := &g.rows[pos]
		var b strings.Builder
		b.WriteString("  ")
		for k, i := range keep {
			if k > 0 {
				b.WriteByte(' ')
			}
			text := r.cells[i]
			if short[i] && i < len(r.short) {
				text = r.short[i]
			}
			cell := fit(text, widths[k], g.cols[i].right)
			if i == r.flagCol && r.sev != analyze.SeverityNone && pos != t.cursor {
				cell = c.st.sev(r.sev).Render(cell)
			}
			b.WriteString(cell)
		}
		line := b.String()
		if pos == t.cursor {
			line = c.st.Selected.Render(fit(ansi.Strip(line), c.width, false))
		}
		lines = append(lines, line)
	}
	for _, l := range v.noteLines(c) {
		lines = append(lines, c.st.Dim.Render(l))
	}
	return lines
}

// shown is the grid's columns and those on screen.
func (v *gridView) shown(c *common) ([]colSpec, []int) {
	if v.grid == nil {
		return nil, nil
	}
	keep, _, _ := gridLayout(v.grid, c.width-2, v.table.sort.col)
	return v.grid.cols, keep
}

// plainGrid is an aggregate view that answers no key of its own and
// draws its table only (the Remote endpoints and Processes views); build
// makes the table, sorted in the view's natural order unless sort names a
// column.
type plainGrid struct {
	gridView
	build func(c *common, sort sortSpec) *grid
}

func newPlainGrid(build func(*common, sortSpec) *grid) plainGrid {
	return plainGrid{gridView: newGridView(), build: build}
}

func (v *plainGrid) refresh(c *common) {
	v.set(v.build(c, v.table.sort))
	clampCursor(c, v)
}

func (v *plainGrid) update(*common, tea.KeyPressMsg) (opened, tea.Cmd) { return opened{}, nil }

func (v *plainGrid) view(c *common) []string { return v.tableLines(c, v.height(c)) }

// sortByDesc orders rows by column col, largest first.
func sortByDesc(rows []gridRow, col int) {
	slices.SortStableFunc(rows, func(a, b gridRow) int { return b.sort[col].cmp(a.sort[col]) })
}
