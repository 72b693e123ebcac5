package tui

import (
	"cmp"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
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
	note  string // a line under the table
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

// derived holds the aggregate views' grids, built when first shown after a
// sample, a filter or a sort changes.
type derived struct {
	grids [viewCount]*grid
}

func (d *derived) grid(v view) *grid { return d.grids[v] }

// build makes view v's grid and sorts it.
func (d *derived) build(m *Model, v view) {
	var g *grid
	switch v {
	case viewRemotes:
		g = m.remotesGrid()
	case viewListeners:
		g = m.listenersGrid()
	case viewProcesses:
		g = m.processesGrid()
	case viewPorts:
		g = m.portsGrid()
	default:
		return
	}
	s := m.tables[v].sort
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
	d.grids[v] = g
}

// gridLines draws the current aggregate view.
func (m *Model) gridLines() []string {
	g := m.currentGrid()
	if g == nil {
		return nil
	}
	return m.gridTable(g, m.tableHeight())
}

// currentGrid is the current aggregate view's grid, built if need be.
func (m *Model) currentGrid() *grid {
	g := m.derived.grid(m.view)
	if g == nil {
		m.derived.build(m, m.view)
		g = m.derived.grid(m.view)
	}
	return g
}

// gridTable draws grid g as a table of h rows from the view's scroll
// position: the column titles, the rows, and the note under them.
func (m *Model) gridTable(g *grid, h int) []string {
	keep, widths, short := gridLayout(g.cols, m.width-2)
	t := &m.tables[m.view]
	lines := []string{m.st.Header.Render(headerRow(g.cols, keep, widths, t.sort))}
	if len(g.rows) == 0 {
		lines = append(lines, m.st.Dim.Render("  "+g.empty))
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
				cell = m.sevStyle(r.sev).Render(cell)
			}
			b.WriteString(cell)
		}
		line := b.String()
		if pos == t.cursor {
			line = m.st.Selected.Render(fit(ansi.Strip(line), m.width, false))
		}
		lines = append(lines, line)
	}
	if g.note != "" {
		lines = append(lines, m.st.Dim.Render(g.note))
	}
	return lines
}

// sevStyle is the style of a severity.
func (m *Model) sevStyle(s analyze.Severity) lipgloss.Style {
	switch s {
	case analyze.SeverityNotice:
		return m.st.Notice
	case analyze.SeverityWarn:
		return m.st.Warn
	case analyze.SeverityCritical:
		return m.st.Crit
	}
	return lipgloss.NewStyle()
}

// sortByDesc orders rows by column col, largest first.
func sortByDesc(rows []gridRow, col int) {
	slices.SortStableFunc(rows, func(a, b gridRow) int { return b.sort[col].cmp(a.sort[col]) })
}
