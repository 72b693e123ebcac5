package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// The dashboard cuts text only where a number survives it: a cut never
// falls inside a number, an address or an escape (\x1b), and cut text
// never ends in a digit, so what is left cannot read as another number
// ("29…" of 295). A cell that ends in a pid ("python3/1479") keeps it and
// gives up its name instead ("pyth…/1479").

// ellipsis marks cut text.
const ellipsis = "…"

// fit pads or cuts s, a plain cell, to exactly w cells (cutText).
func fit(s string, w int, right bool) string {
	n := ansi.StringWidth(s)
	switch {
	case n > w:
		s = cutText(s, w)
		n = ansi.StringWidth(s)
	case n == w:
		return s
	}
	if right {
		return strings.Repeat(" ", w-n) + s
	}
	return s + strings.Repeat(" ", w-n)
}

// cutText cuts s, plain text, to at most w cells, ending in "…" where
// it cut, never inside a number, and keeping the pid of a cell that
// ends in one when w leaves room for it.
func cutText(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	if w <= 0 {
		return ""
	}
	if head, pid, ok := splitPID(s); ok {
		if room := w - ansi.StringWidth(pid) - 1; room >= 0 {
			return s[:safeCut(head, room)] + ellipsis + pid
		}
	}
	return s[:safeCut(s, w-1)] + ellipsis
}

// splitPID splits a cell that ends in "/digits" (a process, "comm/pid")
// into the rest and "/digits".
func splitPID(s string) (head, pid string, ok bool) {
	i := len(s)
	for i > 0 && isASCIIDigit(s[i-1]) {
		i--
	}
	if i == len(s) || i < 2 || s[i-1] != '/' {
		return "", "", false
	}
	return s[:i-1], s[i-1:], true
}

// truncate cuts s, which may hold escape sequences, to at most w cells,
// as cutText cuts plain text: the dashboard's lines that do not fit.
func truncate(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	plain := ansi.Strip(s)
	if trimmed := strings.TrimRight(plain, " "); ansi.StringWidth(trimmed) <= w {
		return ansi.Truncate(s, w, "") // only blanks go
	}
	if w <= 0 {
		return ""
	}
	keep := ansi.StringWidth(plain[:safeCut(plain, w-1)])
	return ansi.Truncate(s, keep, "") + ellipsis
}

// clip cuts every line of s to w cells (truncate), so nothing wraps. It
// is the frame's last guard: a line cut before it reached the frame, at a
// number ("10.0.0.9:54…"), loses the rest of that number too (uncut).
func clip(s string, w int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = truncate(uncut(l), w)
	}
	return strings.Join(lines, "\n")
}

// uncut takes out of line, which may hold escape sequences, what is left
// of a number before an ellipsis: "to 10.0.0.9:54…" becomes "to …".
func uncut(line string) string {
	if !strings.Contains(line, ellipsis) {
		return line
	}
	plain := ansi.Strip(line)
	for at := 0; ; {
		i := strings.Index(plain[at:], ellipsis)
		if i < 0 {
			return line
		}
		i += at
		if safe := safeCut(plain[:i], ansi.StringWidth(plain[:i])); safe < i {
			from, to := ansi.StringWidth(plain[:safe]), ansi.StringWidth(plain[:i])
			line = ansi.Cut(line, 0, from) + ansi.Cut(line, to, ansi.StringWidth(plain))
			plain = plain[:safe] + plain[i:]
			i = safe
		}
		at = i + len(ellipsis)
	}
}

// safeCut is the length in bytes of the longest prefix of s, at most w
// cells wide, that ends where a cut may fall: not inside an escape
// (\x07, \u200b) nor inside a word that holds a digit (a number, an
// address, "db8"), and not right after a digit or after a digit and a
// mark (".", ":", "/", ",", "%"), even one that ends an escape.
func safeCut(s string, w int) int {
	best, width, escEnd := 0, 0, -1
	for i, r := range s {
		switch {
		case i == escEnd:
			// Right after an escape: whole, unless it ends in a digit.
			if !isASCIIDigit(s[i-1]) {
				best = i
			}
		case i > escEnd && cutOK(s, i):
			best = i
		}
		if i >= escEnd && r == '\\' {
			escEnd = i + escapeLen(s[i:])
		}
		if width += ansi.StringWidth(string(r)); width > w {
			return best
		}
	}
	if len(s) >= escEnd && cutOK(s, len(s)) {
		return len(s)
	}
	return best
}

// escapeLen is the length of the escape at the start of s (render/escape
// writes \\, \n, \t, \r, \xNN, \uNNNN and \UNNNNNNNN), 1 for a lone "\".
func escapeLen(s string) int {
	if len(s) < 2 {
		return 1
	}
	n := map[byte]int{'x': 4, 'u': 6, 'U': 10, 'n': 2, 't': 2, 'r': 2, '\\': 2}[s[1]]
	if n == 0 || n > len(s) {
		return 1
	}
	return n
}

// cutOK reports whether s may be cut before byte i: the text kept does
// not end in a digit, nor in a digit and one mark, and i is not inside a
// word of number characters that holds a digit.
func cutOK(s string, i int) bool {
	if i == 0 {
		return true
	}
	last := s[i-1]
	if isASCIIDigit(last) {
		return false
	}
	if i >= 2 && strings.IndexByte(".:/,%", last) >= 0 && isASCIIDigit(s[i-2]) {
		return false
	}
	if i == len(s) || !isNumberChar(last) || !isNumberChar(s[i]) {
		return true
	}
	// Inside a run of number characters: cut only if it has no digit.
	lo, hi := i, i
	for lo > 0 && isNumberChar(s[lo-1]) {
		lo--
	}
	for hi < len(s) && isNumberChar(s[hi]) {
		hi++
	}
	for j := lo; j < hi; j++ {
		if isASCIIDigit(s[j]) {
			return false
		}
	}
	return true
}

// isNumberChar reports whether c may be part of a number or an address:
// digits, hex digits, and the marks within them.
func isNumberChar(c byte) bool {
	return isASCIIDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || strings.IndexByte(".:[]%", c) >= 0
}

func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }
