package tui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// view draws the Sockets view: the column header, then the lines on
// screen, group headers and rows. Only the lines on screen are drawn,
// whatever the number of sockets.
func (v *socketsView) view(c *common) []string {
	specs, keep, widths := v.layout(c)
	t := &v.table
	lines := []string{c.st.Header.Render(headerRow(specs, keep, widths, t.sort))}
	if len(v.rows.groups) == 0 {
		return append(lines, c.st.Dim.Render("  no socket matches"))
	}
	h := c.bodyHeight()
	var buf []byte
	for pos := t.offset; pos < t.offset+h; pos++ {
		g, row, ok := v.rows.at(pos, v.folded)
		if !ok {
			break
		}
		var line string
		if row < 0 {
			line = v.groupLine(c, g)
		} else {
			line, buf = v.socketLine(c, v.rows.rows[row], keep, widths, buf)
		}
		if pos == t.cursor {
			line = c.st.Selected.Render(fit(ansi.Strip(line), c.width, false))
		}
		lines = append(lines, line)
	}
	return lines
}

// layout lays the columns out in the screen's width less the two cells
// of the mark (+ new, ~ changed, - closed), for the rows on screen: what
// the cells ask is measured on those only, whatever the number of
// sockets.
func (v *socketsView) layout(c *common) (specs []colSpec, keep, widths []int) {
	specs = make([]colSpec, len(v.cols))
	for i := range v.cols {
		specs[i] = v.cols[i].colSpec
	}
	fits := make([]colFit, len(v.cols))
	t := &v.table
	var buf []byte
	for pos := t.offset; c.net != nil && pos < t.offset+c.bodyHeight(); pos++ {
		_, row, ok := v.rows.at(pos, v.folded)
		if !ok {
			break
		}
		if row < 0 {
			continue
		}
		i := v.rows.rows[row]
		s, l := c.net.Diff.Socket(i), c.labelsOf(i)
		for ci := range v.cols {
			buf = v.cols[ci].Append(buf[:0], s, l)
			fits[ci].add(string(buf), v.cols[ci].Right)
		}
	}
	keep, widths = fitColumns(specs, fits, c.width-2, t.sort.col)
	return specs, keep, widths
}

// shown is the view's columns and those on screen.
func (v *socketsView) shown(c *common) ([]colSpec, []int) {
	specs, keep, _ := v.layout(c)
	return specs, keep
}

// groupLine draws a state group's header: fold mark, state, counts of
// rows, new, changed and closed, and the flags that concern the state.
func (v *socketsView) groupLine(c *common, gi int) string {
	g := v.rows.groups[gi]
	st := &c.st
	mark := "▾"
	if v.folded(g.state) {
		mark = "▸"
	}
	var b strings.Builder
	b.WriteString(mark + " ")
	b.WriteString(st.state(g.state).Bold(true).Render(g.state.String()))
	b.WriteString(" " + strconv.Itoa(g.hi-g.lo-g.closed))
	if g.fresh > 0 {
		b.WriteString(st.New.Render("  +" + strconv.Itoa(g.fresh) + " new"))
	}
	if g.changed > 0 {
		b.WriteString(st.Changed.Render("  ~" + strconv.Itoa(g.changed) + " changed"))
	}
	if g.closed > 0 {
		b.WriteString(st.Dim.Render("  -" + strconv.Itoa(g.closed) + " closed"))
	}
	if f := groupFlag(c, g.state); f != "" {
		b.WriteString("  " + f)
	}
	if v.folded(g.state) {
		b.WriteString(st.Dim.Render("  (folded: enter or x)"))
	}
	return b.String()
}

// socketLine draws the row of the Diff's socket i.
func (v *socketsView) socketLine(c *common, i int32, keep, widths []int, buf []byte) (string, []byte) {
	t := c.net.Diff
	s := t.Socket(i)
	l := c.labelsOf(i)
	mk := t.Mark(i)
	style := lipgloss.Style{}
	markCh := " "
	switch {
	case t.Ghost(i) != nil:
		markCh, style = "-", c.st.Closed
	case c.recentAt(mk.First):
		markCh, style = "+", c.st.New
	case c.recentAt(mk.Changed):
		markCh, style = "~", c.st.Changed
	}
	var b strings.Builder
	b.WriteString(markCh + " ")
	for k, ci := range keep {
		if k > 0 {
			b.WriteByte(' ')
		}
		col := &v.cols[ci]
		buf = col.Append(buf[:0], s, l)
		b.WriteString(fit(string(buf), widths[k], col.Right))
	}
	line := b.String()
	if markCh != " " {
		line = style.Render(line)
	}
	return line, buf
}

// groupFlag sums up, for a state group's header, the flags about that
// state: the worst and how many endpoints raise one.
func groupFlag(c *common, s model.State) string {
	var kinds []analyze.FlagKind
	switch s {
	case model.StateTimeWait:
		kinds = []analyze.FlagKind{analyze.FlagTimeWait, analyze.FlagTimeWaitRising}
	case model.StateCloseWait:
		kinds = []analyze.FlagKind{analyze.FlagCloseWait, analyze.FlagCloseWaitRising}
	default:
		return ""
	}
	dests := c.net.Dests
	if dests == nil {
		return ""
	}
	var worst *analyze.Flag
	n := 0
	for i := range dests.Flags {
		f := &dests.Flags[i]
		for _, k := range kinds {
			if f.Kind == k {
				n++
				if worst == nil || f.Severity > worst.Severity {
					worst = f
				}
			}
		}
	}
	if worst == nil {
		return ""
	}
	text := worst.Label() + " " + worst.Remote.String()
	if n > 1 {
		text += " and " + strconv.Itoa(n-1) + " more (view 2)"
	}
	return c.st.sev(worst.Severity).Render(text)
}
