package render

import (
	"bufio"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conntab/conntab/model"

	"github.com/conntab/conntab/render/escape"
)

// MaxWidth is where the reports' prose wraps in a pipe, or on a terminal
// wider than it: longer lines are hard to read.
const MaxWidth = 100

// reportHeader is a report's first line: "conntab ports: netns N (name),
// 2026-03-14 09:26:53 UTC, read from netlink"; name is the namespace as
// the user named it ("" for none), a zero source is left unsaid.
func reportHeader(command string, netns uint32, name string, taken time.Time, source model.Source) string {
	head := "conntab " + command + ": netns " + strconv.FormatUint(uint64(netns), 10)
	if name != "" {
		head += " (" + name + ")"
	}
	head += ", " + taken.Format("2006-01-02 15:04:05 MST")
	if source != 0 {
		head += ", read from " + source.String()
	}
	return head
}

// textPrinter writes wrapped paragraphs.
type textPrinter struct {
	w     *bufio.Writer
	width int
}

// nbsp glues words that must stay on one line (a counter and its rate):
// para breaks lines only at plain spaces, and writes nbsp as one.
const nbsp = "\u00a0"

// glue joins words with nbsp.
func glue(words ...string) string { return strings.Join(words, nbsp) }

// glued is items with their spaces made nbsp, each kept on one line.
func glued(items []string) []string {
	for i := range items {
		items[i] = strings.ReplaceAll(items[i], " ", nbsp)
	}
	return items
}

// para writes text escaped and wrapped at p.width, the first line led by
// first, the others by rest. A word longer than a line gets one of its
// own.
func (p *textPrinter) para(text, first, rest string) {
	lead := first
	line := 0 // display width of the line so far, lead included
	started := false
	for _, word := range strings.Split(safe(text), " ") {
		if word == "" {
			continue
		}
		n := utf8.RuneCountInString(word)
		if started && line+1+n > p.width {
			p.w.WriteByte('\n')
			started, lead = false, rest
		}
		if !started {
			p.w.WriteString(lead)
			line = utf8.RuneCountInString(lead)
			started = true
		} else {
			p.w.WriteByte(' ')
			line++
		}
		p.w.WriteString(strings.ReplaceAll(word, nbsp, " "))
		line += n
	}
	p.w.WriteByte('\n')
}

// safe escapes s for the terminal (escape.AppendSafe: control characters
// and bad UTF-8 only, so arrows and the severity marks stay). The
// reports' text is conntab's own, built from addresses and numbers; this
// keeps it so if kernel-supplied text ever reaches it.
func safe(s string) string {
	if escape.IsSafe(s) {
		return s
	}
	return string(escape.AppendSafe(nil, s))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
