package tui

import (
	"cmp"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
)

// sockCol is a column of the Sockets view: the listing's column (one
// definition for both front ends) with what a screen adds: width limits,
// when it gives way on a narrow screen, and how it sorts.
type sockCol struct {
	render.Column
	colSpec
	cmp func(a, b *model.Socket, l *render.Labeler) int
}

// colSpec is how a column takes room on screen: its title, its width's
// least, wanted (what it grows to before the others do) and most, and
// drop, which orders the columns that go first when the screen is too
// narrow (higher goes earlier; 0 stays).
type colSpec struct {
	title                string
	min, want, max, drop int
	right                bool
	// short, when set, is the column with its cells' short spellings
	// (gridRow.short): gridLayout takes it when the long spellings would
	// cost another column its place.
	short *colSpec
}

// fitColumns lays cols out in width cells (see layout).
func fitColumns(cols []colSpec, width int) (keep, widths []int) {
	mins := make([]int, len(cols))
	wants := make([]int, len(cols))
	maxs := make([]int, len(cols))
	drops := make([]int, len(cols))
	for i, c := range cols {
		mins[i], wants[i], maxs[i], drops[i] = c.min, max(c.min, c.want), c.max, c.drop
	}
	return layout(mins, wants, maxs, drops, width)
}

// gridLayout lays cols out like fitColumns. A column with short spellings
// keeps its long ones unless the short ones keep more columns on screen:
// the Listeners view shows "all (dual-stack)" at 120 cells and "all46" at
// 80, where the long name would push the process out. short reports, by
// column, which are drawn short.
func gridLayout(cols []colSpec, width int) (keep, widths []int, short []bool) {
	keep, widths = fitColumns(cols, width)
	short = make([]bool, len(cols))
	for i := range cols {
		if cols[i].short == nil {
			continue
		}
		alt := slices.Clone(cols)
		alt[i] = *cols[i].short
		if k, w := fitColumns(alt, width); len(k) > len(keep) {
			cols, keep, widths = alt, k, w
			short[i] = true
		}
	}
	return keep, widths, short
}

// sockColumns returns the Sockets view's columns.
func sockColumns() []sockCol {
	byName := listingColumns()
	col := func(name, title string, min, want, max, drop int, f func(a, b *model.Socket, l *render.Labeler) int) sockCol {
		c := byName[name]
		return sockCol{Column: c, colSpec: colSpec{title: title, min: min, want: want, max: max, drop: drop, right: c.Right}, cmp: f}
	}
	return []sockCol{
		col("Netid", "Proto", 5, 5, 5, 0, func(a, b *model.Socket, _ *render.Labeler) int {
			return cmp.Or(cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Family, b.Family))
		}),
		col("State", "State", 11, 11, 14, 0, func(a, b *model.Socket, _ *render.Labeler) int { return cmp.Compare(a.State, b.State) }),
		col("Recv-Q", "Recv-Q", 6, 6, 8, 5, func(a, b *model.Socket, _ *render.Labeler) int { return cmp.Compare(a.RecvQ, b.RecvQ) }),
		col("Send-Q", "Send-Q", 6, 6, 8, 6, func(a, b *model.Socket, _ *render.Labeler) int { return cmp.Compare(a.SendQ, b.SendQ) }),
		col("Local Address:Port", "Local", 15, 21, 47, 0, func(a, b *model.Socket, _ *render.Labeler) int { return a.Local.Compare(b.Local) }),
		col("Peer Address:Port", "Peer", 15, 21, 47, 0, func(a, b *model.Socket, _ *render.Labeler) int { return a.Remote.Compare(b.Remote) }),
		col("Service", "Service", 10, 12, 14, 3, func(a, b *model.Socket, l *render.Labeler) int {
			return strings.Compare(l.Service(a), l.Service(b))
		}),
		col("Class", "Class", 7, 7, 7, 8, func(a, b *model.Socket, l *render.Labeler) int {
			return cmp.Or(cmp.Compare(l.Port(a.Proto, a.Local.Port()).Class, l.Port(b.Proto, b.Local.Port()).Class),
				cmp.Compare(l.Port(a.Proto, a.Remote.Port()).Class, l.Port(b.Proto, b.Remote.Port()).Class))
		}),
		col("Process", "Process", 12, 16, 24, 2, func(a, b *model.Socket, l *render.Labeler) int {
			return compareOwners(l.OwnersOf(a), l.OwnersOf(b))
		}),
		col("Timer", "Timer", 16, 16, 20, 7, func(a, b *model.Socket, _ *render.Labeler) int {
			return cmp.Or(cmp.Compare(a.Timer.Kind, b.Timer.Kind), cmp.Compare(a.Timer.Expires, b.Timer.Expires))
		}),
	}
}

// listingColumns are every column of the listing, by name: the cells the
// dashboard's tables share with conntab list.
func listingColumns() map[string]render.Column {
	byName := map[string]render.Column{}
	for _, c := range render.Columns(render.ColumnSet{Timers: true, Processes: true, Classes: true}) {
		byName[c.Name] = c
	}
	return byName
}

func compareOwners(a, b []model.Owner) int {
	switch {
	case len(a) == 0 || len(b) == 0:
		return cmp.Compare(len(a), len(b))
	}
	return cmp.Or(strings.Compare(a[0].Comm, b[0].Comm), cmp.Compare(a[0].PID, b[0].PID))
}

// layout gives each column of cols a width so that they fit in width
// cells with one space between them, dropping columns as their drop order
// says; it returns the indices of the columns kept and their widths.
func layout(mins, wants, maxs, drops []int, width int) (keep []int, widths []int) {
	dropped := make([]bool, len(mins))
	for {
		keep, widths = keep[:0], widths[:0]
		total, need := 0, 0
		for i := range mins {
			if !dropped[i] {
				keep = append(keep, i)
				widths = append(widths, mins[i])
				total += mins[i] + 1
				// Columns that never go must get what they want before
				// one that may go is kept.
				if drops[i] == 0 {
					need += wants[i] + 1
				} else {
					need += mins[i] + 1
				}
			}
		}
		if need-1 <= width || (total-1 <= width && !droppable(drops, dropped)) {
			left := width - (total - 1)
			// First the columns that stay longest grow to what they
			// want (an address wants a whole IPv4 endpoint), then the
			// rest is shared among all that can grow, in turn.
			for pass := 0; pass <= maxDrop(drops); pass++ {
				for k, i := range keep {
					if drops[i] == pass && widths[k] < wants[i] {
						add := min(left, wants[i]-widths[k])
						widths[k] += add
						left -= add
					}
				}
			}
			for left > 0 {
				grew := false
				for k, i := range keep {
					if left > 0 && widths[k] < maxs[i] {
						widths[k]++
						left--
						grew = true
					}
				}
				if !grew {
					break
				}
			}
			return keep, widths
		}
		worst := -1
		for i := range drops {
			if !dropped[i] && drops[i] > 0 && (worst < 0 || drops[i] > drops[worst]) {
				worst = i
			}
		}
		if worst < 0 {
			return keep, widths // nothing more can go: the row is cut at the edge
		}
		dropped[worst] = true
	}
}

// droppable reports whether any column may still go.
func droppable(drops []int, dropped []bool) bool {
	for i, d := range drops {
		if d > 0 && !dropped[i] {
			return true
		}
	}
	return false
}

func maxDrop(drops []int) int {
	m := 0
	for _, d := range drops {
		m = max(m, d)
	}
	return m
}

// fit pads or cuts s to exactly w cells; cut text ends in "…".
func fit(s string, w int, right bool) string {
	n := ansi.StringWidth(s)
	switch {
	case n > w:
		return ansi.Truncate(s, w, "…")
	case n == w:
		return s
	case right:
		return strings.Repeat(" ", w-n) + s
	}
	return s + strings.Repeat(" ", w-n)
}

// clip cuts every line of s to w cells, so nothing wraps.
func clip(s string, w int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	return strings.Join(lines, "\n")
}
