package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// header is the five lines above every view: what is watched, from
// where and when, the sockets by state as a bar and a legend, the trends
// of TIME_WAIT and CLOSE_WAIT and the ephemeral ports, and the view tabs
// with the filter in force.
type header struct {
	host, netns string
	interval    time.Duration
	history     history
	// unowned counts the sockets of processes this user cannot inspect.
	unowned int
}

// add takes in a sample's snapshot.
func (h *header) add(snap *model.Snapshot) {
	h.history.add(snap)
	h.unowned = snap.Unowned()
}

// view draws the header over view shown; paused marks a paused
// dashboard.
func (h *header) view(c *common, shown view, paused bool) string {
	lines := []string{
		h.title(c, paused),
		h.stateBar(c),
		h.stateLegend(c),
		h.trends(c),
		tabs(c, shown),
	}
	return strings.Join(lines, "\n")
}

// title is the header's first line.
func (h *header) title(c *common, paused bool) string {
	snap := c.net.Snap
	st := &c.st
	var title strings.Builder
	title.WriteString(st.Title.Render("conntab"))
	sep := st.Dim.Render(" │ ")
	if h.host != "" {
		title.WriteString(sep + safe(h.host))
	}
	ns := h.netns
	if ns == "" {
		ns = "netns " + strconv.FormatUint(uint64(snap.NetNS), 10)
	}
	title.WriteString(sep + safe(ns))
	title.WriteString(sep + snap.Source.String())
	title.WriteString(sep + "every " + h.interval.String())
	title.WriteString(sep + c.now.Format("15:04:05") + st.Dim.Render(" ("+string(model.AppendDuration(nil, snap.Duration))+")"))
	if paused {
		title.WriteString(" " + st.Paused.Render(" ‖ PAUSED "))
	}
	if h.unowned > 0 {
		title.WriteString(sep + st.Notice.Render(fmt.Sprintf("%d sockets of processes you cannot inspect: run as root", h.unowned)))
	}
	return title.String()
}

// barLetter is the letter a state's segment of the bar is drawn with, so
// the bar reads without colour.
var barLetter = map[model.State]byte{
	model.StateEstablished: 'E', model.StateTimeWait: 'T', model.StateCloseWait: 'C',
	model.StateListen: 'L', model.StateSynSent: 'S', model.StateSynRecv: 'R',
	model.StateFinWait1: 'F', model.StateFinWait2: 'F', model.StateClosing: 'K',
	model.StateLastAck: 'A', model.StateClose: 'X', model.StateUnconn: 'U',
	model.StateBoundInactive: 'B', model.StateNewSynRecv: 'R',
}

// barOrder is the bar's order of states: the ones that matter most first.
var barOrder = []model.State{
	model.StateEstablished, model.StateTimeWait, model.StateCloseWait, model.StateListen,
	model.StateSynSent, model.StateSynRecv, model.StateNewSynRecv, model.StateFinWait1,
	model.StateFinWait2, model.StateClosing, model.StateLastAck, model.StateClose,
	model.StateUnconn, model.StateBoundInactive,
}

// stateBar draws every socket as one line, a segment per state in
// proportion to its count; a state with any socket gets one cell at least.
func (h *header) stateBar(c *common) string {
	hist := &h.history
	if hist.total == 0 {
		return c.st.Dim.Render("no sockets")
	}
	w := c.width
	cells := make([]int, len(barOrder))
	used := 0
	for i, s := range barOrder {
		if n := hist.last[s&63]; n > 0 {
			cells[i] = max(1, n*w/hist.total)
			used += cells[i]
		}
	}
	// Give rounding's leftovers to, or take the excess from, the biggest.
	big := 0
	for i := range cells {
		if cells[i] > cells[big] {
			big = i
		}
	}
	cells[big] = max(1, cells[big]+w-used)
	var b strings.Builder
	for i, s := range barOrder {
		if cells[i] > 0 {
			b.WriteString(c.st.state(s).Reverse(true).Render(strings.Repeat(string(barLetter[s]), cells[i])))
		}
	}
	return b.String()
}

// stateLegend names the bar's letters with their counts: every state
// present, and TIME_WAIT and CLOSE_WAIT always.
func (h *header) stateLegend(c *common) string {
	hist := &h.history
	var parts []string
	for _, s := range barOrder {
		n := hist.last[s&63]
		if n == 0 && s != model.StateTimeWait && s != model.StateCloseWait {
			continue
		}
		name := string(barLetter[s])
		if c.width >= 120 {
			name += " " + s.String()
		}
		parts = append(parts, c.st.state(s).Render(name)+" "+strconv.Itoa(n))
	}
	return strings.Join(parts, "  ") + c.st.Dim.Render("  total ") + strconv.Itoa(hist.total)
}

// trends draws the TIME_WAIT and CLOSE_WAIT sparklines and the ephemeral
// range with its busiest pool, leaving out what fits least when the
// screen is narrow.
func (h *header) trends(c *common) string {
	hist := &h.history
	tw, cw := hist.series(model.StateTimeWait), hist.series(model.StateCloseWait)
	wide := c.width >= 120
	twName, cwName, spark := "TIME_WAIT ", "CLOSE_WAIT ", 20
	if !wide {
		twName, cwName, spark = "TW ", "CW ", 6
	}
	segs := []seg{
		{text: twName + c.st.state(model.StateTimeWait).Render(sparkline(tw, spark)) + " " + strconv.Itoa(hist.last[model.StateTimeWait]), drop: 2},
		{text: cwName + c.st.state(model.StateCloseWait).Render(sparkline(cw, spark/2)) + " " + strconv.Itoa(hist.last[model.StateCloseWait]), drop: 4},
	}
	return joinFit(append(segs, ephemeralSegs(c, wide)...), c.width)
}

// seg is a part of a header line; drop orders which parts go first when
// the line is too long (higher first; 0 stays).
type seg struct {
	text string
	drop int
}

// joinFit joins segs with two spaces, leaving out segments by their drop
// order until the line fits width.
func joinFit(segs []seg, width int) string {
	for {
		parts := make([]string, 0, len(segs))
		for _, s := range segs {
			parts = append(parts, s.text)
		}
		line := strings.Join(parts, "  ")
		worst := -1
		for i, s := range segs {
			if s.drop > 0 && (worst < 0 || s.drop > segs[worst].drop) {
				worst = i
			}
		}
		if lipgloss.Width(line) <= width || worst < 0 {
			return line
		}
		segs = append(segs[:worst:worst], segs[worst+1:]...)
	}
}

// tabs draws the view tabs, shown the current one, and the filter in
// force.
func tabs(c *common, shown view) string {
	var b strings.Builder
	for v := range viewCount {
		name := strconv.Itoa(int(v)+1) + " " + viewNames[v]
		if v == shown {
			b.WriteString(c.st.ActiveTab.Render(name))
		} else {
			b.WriteString(c.st.Tab.Render(name))
		}
	}
	if f := c.filterText(); f != "" {
		b.WriteString(c.st.Dim.Render("  filter: ") + safe(f))
	}
	if c.hidden != 0 {
		b.WriteString(c.st.Dim.Render("  hidden: ") + c.hidden.String())
	}
	return b.String()
}

// ephemeralSegs are the header's ephemeral range, its busiest pool with
// that pool's own severity, and how many endpoints are flagged.
func ephemeralSegs(c *common, wide bool) []seg {
	ix := c.net.Dests
	st := &c.st
	if ix == nil || ix.Ephemeral.Size() == 0 {
		return []seg{{text: st.Dim.Render("ephemeral range unknown"), drop: 4}}
	}
	eph, usable := "eph ", " ("+strconv.Itoa(ix.Usable)+")"
	if wide {
		eph, usable = "ephemeral ", " ("+strconv.Itoa(ix.Usable)+" usable)"
	}
	segs := []seg{{text: st.Dim.Render(eph) + strconv.Itoa(int(ix.Ephemeral.Lo)) + "-" + strconv.Itoa(int(ix.Ephemeral.Hi)) + st.Dim.Render(usable), drop: 3}}
	p := ix.BusiestPool()
	if p == nil {
		return append(segs, seg{text: st.Dim.Render("no pool in use"), drop: 5})
	}
	// Busiest by utilisation: the ports connect() cannot take, which
	// TIME_WAIT sockets tcp_tw_reuse may take over are not.
	busiest := st.Dim.Render("busiest ") + p.Remote.String() + " "
	if wide {
		busiest += strconv.Itoa(p.Blocking()) + "/" + strconv.Itoa(p.Usable) + " "
	}
	busiest += strconv.Itoa(int(p.Utilisation()*100)) + "%"
	var sev analyze.Severity
	for i := range ix.Flags {
		if f := &ix.Flags[i]; f.Local == p.Local && f.Remote == p.Remote {
			sev = max(sev, f.Severity)
		}
	}
	if sev != analyze.SeverityNone {
		busiest += " " + st.sev(sev).Render(sev.Symbol()+" "+strings.ToUpper(sev.String()))
	}
	segs = append(segs, seg{text: busiest})
	if n := flaggedEndpoints(ix); n > 0 {
		text := strconv.Itoa(n) + " flagged"
		if wide {
			text += " (view 2)"
		}
		segs = append(segs, seg{text: st.sev(ix.Severity()).Render(text), drop: 1})
	}
	return segs
}

// flaggedEndpoints counts the remote endpoints with a flag.
func flaggedEndpoints(ix *analyze.DestIndex) int {
	n := 0
	for i := range ix.Dests {
		if len(ix.Dests[i].Flags) > 0 {
			n++
		}
	}
	return n
}
