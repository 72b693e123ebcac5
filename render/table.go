package render

import (
	"bufio"
	"strings"
	"unicode/utf8"
)

// writeAligned writes one of the reports' tables: a header and rows,
// columns two spaces apart and aligned by display width (the cells hold
// arrows and severity marks), right-aligned where right says; the last
// column is not padded. The listing, whose rows are many and ASCII, has
// its own (writeTable).
func writeAligned(w *bufio.Writer, header []string, right []bool, rows [][]string) {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	last := len(header) - 1
	line := func(cells []string) {
		for i, cell := range cells {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			switch {
			case right[i]:
				w.WriteString(pad)
				w.WriteString(cell)
			case i == last:
				w.WriteString(cell)
			default:
				w.WriteString(cell)
				w.WriteString(pad)
			}
			if i < last {
				w.WriteString("  ")
			}
		}
		w.WriteByte('\n')
	}
	line(header)
	for _, row := range rows {
		line(row)
	}
}
