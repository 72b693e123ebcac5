package tui

import (
	"slices"

	"github.com/charmbracelet/x/ansi"
)

// A table's columns are laid out by what their cells hold as well as by
// their colSpec: a column is never narrower than its title, nor than its
// widest number (a column of numbers is as wide as its widest cell, an
// address column too, a process column keeps room for "…/pid"). When the
// screen is too narrow, text gives way first: text columns shrink to
// their least; then whole columns go, by their drop order, then from the
// right; a number is never cut. Room left over goes first to the columns
// that stay longest, up to what they want, then to the cells that are
// still cut, then up to each column's most.

// colFit is what a column's cells ask of its width: full is the widest
// cell, least the narrowest width at which no cell loses a number. Both
// are 0 when no cell was measured.
type colFit struct{ full, least int }

// add takes in one cell of a column, right-aligned or not: a
// right-aligned cell, or one that is a number or an address, is never
// cut; one that ends in a pid keeps "…/pid".
func (f *colFit) add(cell string, right bool) {
	w := cellWidth(cell)
	f.full = max(f.full, w)
	switch {
	case right || isNumberCell(cell):
		f.least = max(f.least, w)
	default:
		if _, pid, ok := splitPID(cell); ok {
			f.least = max(f.least, cellWidth(pid)+1)
		}
	}
}

// isNumberCell reports whether a cell is one number, count or address:
// no blank, a digit, and only the characters numbers and addresses are
// written with.
func isNumberCell(s string) bool {
	digit := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isASCIIDigit(c):
			digit = true
		case isNumberChar(c) || c == '/' || c == '*' || c == '~' || c == '-':
		default:
			return false
		}
	}
	return digit
}

// cellWidth is the width of a cell in cells, quickly for plain ASCII.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x7f || c < 0x20 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// colNeed is a column's width as the layout weighs it: floor, the least
// it may be; want, what it grows to first (a column that never goes gets
// it before one that may go is kept); full, what shows every cell
// whole; most, what it grows to when there is room to spare; and drop,
// its place in the order columns go (0 stays).
type colNeed struct{ floor, want, full, most, drop int }

// needOf weighs a column's spec against its cells (f); a column with no
// cell measured takes its spec's widths.
func needOf(spec *colSpec, f colFit) colNeed {
	title := cellWidth(spec.title)
	if f.full == 0 {
		floor := max(title, spec.min)
		return colNeed{floor: floor, want: max(floor, spec.want), full: floor, most: max(floor, spec.max), drop: spec.drop}
	}
	floor := max(title, f.least, min(spec.min, f.full))
	full := max(floor, f.full)
	// A column wants what its spec says, or else its cells whole up to
	// its most.
	want := spec.want
	if want == 0 {
		want = spec.max
	}
	return colNeed{floor: floor, want: max(floor, min(want, full)), full: full, most: max(full, spec.max), drop: spec.drop}
}

// fitColumns lays cols out in width cells, one blank between columns;
// fits are what their cells ask (nil: none measured), and column sorted
// (-1: none) stays as long as any does. It returns the indices of the
// columns kept and their widths.
func fitColumns(cols []colSpec, fits []colFit, width, sorted int) (keep, widths []int) {
	needs := make([]colNeed, len(cols))
	for i := range cols {
		var f colFit
		if i < len(fits) {
			f = fits[i]
		}
		needs[i] = needOf(&cols[i], f)
	}
	return layout(needs, width, sorted)
}

// layout keeps columns until they fit in width cells (see above) and
// gives them widths; column stay goes only when it alone is left.
func layout(needs []colNeed, width, stay int) (keep, widths []int) {
	dropped := make([]bool, len(needs))
	for {
		keep = keep[:0]
		total, required, droppable, worst := -1, -1, false, -1
		for i, n := range needs {
			if dropped[i] {
				continue
			}
			keep = append(keep, i)
			total += n.floor + 1
			if n.drop == 0 {
				// Columns that never go get what they want before one
				// that may go is kept.
				required += n.want + 1
			} else {
				required += n.floor + 1
				if i != stay && (worst < 0 || n.drop > needs[worst].drop) {
					droppable, worst = true, i
				}
			}
		}
		switch {
		case required <= width || total <= width && !droppable:
			return keep, grow(needs, keep, width-total)
		case droppable:
			dropped[worst] = true
		case len(keep) > 1:
			// Too narrow for the columns that stay: whole columns go
			// rather than a number be cut, first one that could not fit
			// alone, then from the right.
			dropped[lastToGo(needs, keep, width, stay)] = true
		default:
			return keep, []int{width}
		}
	}
}

// lastToGo is the kept column to drop when even the columns that stay do
// not fit: the widest of those wider than the screen, else the rightmost;
// column stay last.
func lastToGo(needs []colNeed, keep []int, width, stay int) int {
	worst := -1
	for _, i := range keep {
		n := needs[i]
		switch {
		case i == stay:
		case worst < 0, n.floor > width && n.floor > needs[worst].floor:
			worst = i
		case n.floor <= width && needs[worst].floor <= width:
			worst = i // keep runs left to right: the rightmost
		}
	}
	if worst < 0 {
		return stay
	}
	return worst
}

// grow gives the kept columns their floors and shares left cells among
// them: first to what they want, the columns that stay longest first,
// then to what shows their cells whole, then to their most.
func grow(needs []colNeed, keep []int, left int) []int {
	widths := make([]int, len(keep))
	maxDrop := 0
	for k, i := range keep {
		widths[k] = needs[i].floor
		maxDrop = max(maxDrop, needs[i].drop)
	}
	for pass := 0; pass <= maxDrop; pass++ {
		for k, i := range keep {
			if n := needs[i]; n.drop == pass && widths[k] < n.want {
				add := min(left, n.want-widths[k])
				widths[k] += add
				left -= add
			}
		}
	}
	for _, limit := range []func(colNeed) int{func(n colNeed) int { return n.full }, func(n colNeed) int { return n.most }} {
		for left > 0 {
			grew := false
			for k, i := range keep {
				if left > 0 && widths[k] < limit(needs[i]) {
					widths[k]++
					left--
					grew = true
				}
			}
			if !grew {
				break
			}
		}
	}
	return widths
}

// gridLayout lays a grid's columns out like fitColumns. A column with
// short spellings keeps its long ones unless the short ones keep more
// columns on screen: the Listeners view shows "all (dual-stack)" at 120
// cells and "all46" at 80, where the long name would push the process
// out. short reports, by column, which are drawn short.
func gridLayout(g *grid, width, sorted int) (keep, widths []int, short []bool) {
	cols, fits := g.cols, g.fits
	keep, widths = fitColumns(cols, fits, width, sorted)
	short = make([]bool, len(cols))
	for i := range cols {
		if cols[i].short == nil {
			continue
		}
		alt, altFits := slices.Clone(cols), slices.Clone(fits)
		alt[i] = *cols[i].short
		if i < len(altFits) && i < len(g.shortFits) {
			altFits[i] = g.shortFits[i]
		}
		if k, w := fitColumns(alt, altFits, width, sorted); len(k) > len(keep) {
			cols, fits, keep, widths = alt, altFits, k, w
			short[i] = true
		}
	}
	return keep, widths, short
}
