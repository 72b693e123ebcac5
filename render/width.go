package render

import (
	"io"
	"os"

	"github.com/charmbracelet/x/term"
)

// TerminalWidth is the width the reports' prose wraps at on w: the
// terminal's, at most MaxWidth and at least 40; MaxWidth when w is not a
// terminal (a pipe, a file, a buffer).
func TerminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return MaxWidth
	}
	cols, _, err := term.GetSize(f.Fd())
	if err != nil || cols <= 0 {
		return MaxWidth
	}
	return max(min(cols, MaxWidth), 40)
}
