package tui

import (
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
)

// header is the five lines above every view: what is watched, from
// where and when, the sockets by state as a bar and a legend, the trends
// of TIME_WAIT and CLOSE_WAIT and the ephemeral ports, and the view tabs
// with the filter in force; and the privilege notice's lines when the
// title has no room for it. Each line fits the screen by levels (seg):
// parts shorten, then go whole, so nothing is cut.
type header struct {
	host, netns string
	interval    time.Duration
	history     history
	root        bool
	// unowned counts the sockets of processes this user cannot inspect;
	// privNotice says so (render.HiddenOwnersCounted).
	unowned    int
	privNotice string
}

// add takes in a sample's snapshot.
func (h *header) add(snap *model.Snapshot) {
	h.history.add(snap)
	h.unowned = snap.Unowned()
	euid := 1
	if h.root {
		euid = 0
	}
	if h.privNotice = ""; h.unowned > 0 {
		h.privNotice = render.HiddenOwnersCounted(h.unowned, snap.Owners.Hidden, euid)
	}
	if !h.root && h.privNotice != "" {
		h.privNotice += ": run as root"
	}
}

// view draws the header over view shown; paused marks a paused
// dashboard. It is headerLines lines, and more when the title has no
// room for the privilege notice: the notice then takes lines of its own.
func (h *header) view(c *common, shown view, paused bool) string {
	lines := append([]string{h.title(c, paused)}, h.notice(c, paused)...)
	lines = append(lines, h.stateBar(c), h.stateLegend(c), h.trends(c), tabs(c, shown))
	return strings.Join(lines, "\n")
}

// titleSegs are the title line's parts: what is watched, from where and
// when. The levels leave out the sample's duration first, then the
// interval, the source, the namespace and the host.
func (h *header) titleSegs(c *common, paused bool) []seg {
	snap := c.net.Snap
	st := &c.st
	ns := h.netns
	if ns == "" {
		ns = "netns " + strconv.FormatUint(uint64(snap.NetNS), 10)
	}
	at, mark := c.now.Format("15:04:05"), ""
	if paused {
		mark = " " + st.Paused.Render(" ‖ PAUSED ")
	}
	segs := []seg{{text: st.Title.Render("conntab")}}
	if h.host != "" {
		segs = append(segs, seg{text: safe(h.host), until: 5})
	}
	return append(segs,
		seg{text: safe(ns), until: 4},
		seg{text: snap.Source.String(), until: 3},
		seg{text: "every " + h.interval.String(), until: 2},
		seg{text: at + st.Dim.Render(" ("+string(model.AppendDuration(nil, snap.Duration))+")") + mark, until: 1},
		seg{text: at + mark, from: 1},
	)
}

// titleSep separates the title's parts.
func titleSep(c *common) string { return c.st.Dim.Render(" │ ") }

// title is the header's first line, with the privilege notice when it
// fits whole after the duration and the interval give way.
func (h *header) title(c *common, paused bool) string {
	segs := h.titleSegs(c, paused)
	if n := h.noticeText(c); n != "" {
		if line, ok := fitLevelsUpTo(append(segs, seg{text: n}), titleSep(c), c.width, 2); ok {
			return line
		}
	}
	return fitLevels(segs, titleSep(c), c.width)
}

// noticeText is the privilege notice, "" for none.
func (h *header) noticeText(c *common) string {
	if h.unowned == 0 {
		return ""
	}
	return c.st.Notice.Render(h.noticePlain())
}

func (h *header) noticePlain() string { return h.privNotice }

// notice is the privilege notice on lines of its own, wrapped, when the
// title has no room for it; nil when it has, or there is none.
func (h *header) notice(c *common, paused bool) []string {
	if h.unowned == 0 {
		return nil
	}
	segs := append(h.titleSegs(c, paused), seg{text: h.noticeText(c)})
	if _, ok := fitLevelsUpTo(segs, titleSep(c), c.width, 2); ok {
		return nil
	}
	lines := wrap(h.noticePlain(), c.width, "", "  ")
	for i := range lines {
		lines[i] = c.st.Notice.Render(lines[i])
	}
	return lines
}

// barLetter is the letter a state's segment of the bar is drawn with, so
// the bar reads without colour. An array, not a map: a package-level map
// is built by the package's initialiser, at the start of every command.
var barLetter = [...]byte{
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
// present, and TIME_WAIT and CLOSE_WAIT always; the states' names where
// they fit. On a narrow screen the last states go whole, never a count.
func (h *header) stateLegend(c *common) string {
	hist := &h.history
	var long, short []string
	for _, s := range barOrder {
		n := hist.last[s&63]
		if n == 0 && s != model.StateTimeWait && s != model.StateCloseWait {
			continue
		}
		letter := string(barLetter[s])
		long = append(long, c.st.state(s).Render(letter+" "+s.String())+" "+strconv.Itoa(n))
		short = append(short, c.st.state(s).Render(letter)+" "+strconv.Itoa(n))
	}
	total := c.st.Dim.Render("total ") + strconv.Itoa(hist.total)
	var segs []seg
	for i := range long {
		// Level 0 names the states; from level 1 each state's letter
		// stands alone; from level 2 the last states go, one a level.
		segs = append(segs, seg{text: long[i], until: 1}, seg{text: short[i], from: 1, until: 1 + len(long) - i})
	}
	return fitLevels(append(segs, seg{text: total}), "  ", c.width)
}

// trends draws the TIME_WAIT and CLOSE_WAIT sparklines and the ephemeral
// range with its busiest pool. On a narrower screen the sparklines
// shorten first, then the names, then parts go: the CLOSE_WAIT trend
// (its count is the legend's too), the flagged count and the TIME_WAIT
// sparkline, the range, the TIME_WAIT count; the busiest pool stays.
func (h *header) trends(c *common) string {
	hist := &h.history
	tw, cw := hist.series(model.StateTimeWait), hist.series(model.StateCloseWait)
	twStyle, cwStyle := c.st.state(model.StateTimeWait), c.st.state(model.StateCloseWait)
	twN, cwN := strconv.Itoa(hist.last[model.StateTimeWait]), strconv.Itoa(hist.last[model.StateCloseWait])
	trend := func(name string, st lipgloss.Style, v []int, spark int, n string) string {
		if spark == 0 {
			return name + " " + n
		}
		return name + " " + st.Render(sparkline(v, spark)) + " " + n
	}
	var segs []seg
	for level, w := range []int{20, 12, 6} {
		segs = append(segs,
			seg{text: trend("TIME_WAIT", twStyle, tw, w, twN), from: level, until: level + 1},
			seg{text: trend("CLOSE_WAIT", cwStyle, cw, w/2, cwN), from: level, until: level + 1})
	}
	segs = append(segs,
		seg{text: trend("TW", twStyle, tw, 6, twN), from: 3, until: 8},
		seg{text: trend("CW", cwStyle, cw, 3, cwN), from: 3, until: 6},
		seg{text: trend("TW", twStyle, tw, 0, twN), from: 8, until: 11},
	)
	return fitLevels(append(segs, ephemeralSegs(c)...), "  ", c.width)
}

// seg is a part of a header line, drawn at the levels from to until-1
// of its line (until 0: at every level from from). A line is drawn at the
// lowest level at which it fits: its parts' spellings and its parts
// shorten and go as the levels say.
type seg struct {
	text        string
	from, until int
}

// fitLevels joins the parts of the lowest level at which the line fits
// width, sep between them; the last level's when none does.
func fitLevels(segs []seg, sep string, width int) string {
	top := 0
	for _, s := range segs {
		top = max(top, s.from, s.until)
	}
	line, _ := fitLevelsUpTo(segs, sep, width, top)
	return line
}

// fitLevelsUpTo is fitLevels up to level top; ok is false, with top's
// line, when none fits.
func fitLevelsUpTo(segs []seg, sep string, width, top int) (line string, ok bool) {
	for level := 0; level <= top; level++ {
		var parts []string
		for _, s := range segs {
			if s.from <= level && (s.until == 0 || level < s.until) {
				parts = append(parts, s.text)
			}
		}
		line = strings.Join(parts, sep)
		if lipgloss.Width(line) <= width {
			return line, true
		}
	}
	return line, false
}

// tabs draws the view tabs, the current one marked, and the filter in
// force and the states hidden; on a narrow screen the other views' names
// go, their keys stay.
func tabs(c *common, shown view) string {
	tab := func(short bool) string {
		var b strings.Builder
		for v := range viewCount {
			name := strconv.Itoa(int(v) + 1)
			if !short || v == shown {
				name += " " + viewNames[v]
			}
			if v == shown {
				b.WriteString(c.st.ActiveTab.Render(name))
			} else {
				b.WriteString(c.st.Tab.Render(name))
			}
		}
		return b.String()
	}
	segs := []seg{{text: tab(false), until: 1}, {text: tab(true), from: 1}}
	if f := c.filterText(); f != "" {
		segs = append(segs, seg{text: c.st.Dim.Render(" filter: ") + safe(f)})
	}
	if c.hidden != 0 {
		segs = append(segs, seg{text: c.st.Dim.Render(" hidden: ") + c.hidden.String()})
	}
	return fitLevels(segs, " ", c.width)
}

// ephemeralSegs are the header's ephemeral range, its busiest pool with
// that pool's own severity, and how many endpoints are flagged, as parts
// of the trends line (see trends): the range shortens at level 4 and
// goes at 10, the busiest pool's counts go at 5, the flagged count
// shortens at 3 and goes at 8.
func ephemeralSegs(c *common) []seg {
	ix := c.net.Dests
	st := &c.st
	if ix == nil || ix.Ephemeral.Size() == 0 {
		return []seg{{text: st.Dim.Render("ephemeral range unknown"), until: 10}}
	}
	rng := strconv.Itoa(int(ix.Ephemeral.Lo)) + "-" + strconv.Itoa(int(ix.Ephemeral.Hi))
	usable := strconv.Itoa(ix.Usable)
	segs := []seg{
		{text: st.Dim.Render("ephemeral ") + rng + st.Dim.Render(" ("+usable+" usable)"), until: 4},
		{text: st.Dim.Render("eph ") + rng + st.Dim.Render(" ("+usable+")"), from: 4, until: 10},
	}
	p := ix.BusiestPool()
	if p == nil {
		return append(segs, seg{text: st.Dim.Render("no pool in use"), until: 7})
	}
	var sev analyze.Severity
	for i := range ix.Flags {
		if f := &ix.Flags[i]; f.Local == p.Local && f.Remote == p.Remote {
			sev = max(sev, f.Severity)
		}
	}
	pct := strconv.Itoa(int(p.Utilisation()*100)) + "%"
	if sev != analyze.SeverityNone {
		pct += " " + st.sev(sev).Render(sev.Symbol()+" "+strings.ToUpper(sev.String()))
	}
	// Busiest by utilisation: the ports connect() cannot take (TIME_WAIT
	// that tcp_tw_reuse may take over is not among them).
	busiest := st.Dim.Render("busiest ") + p.Remote.String() + " "
	segs = append(segs,
		seg{text: busiest + strconv.Itoa(p.Blocking()) + "/" + strconv.Itoa(p.Usable) + " " + pct, until: 5},
		seg{text: busiest + pct, from: 5})
	if n := flaggedEndpoints(ix); n > 0 {
		text := strconv.Itoa(n) + " flagged"
		segs = append(segs,
			seg{text: st.sev(ix.Severity()).Render(text + " (view 2)"), until: 3},
			seg{text: st.sev(ix.Severity()).Render(text), from: 3, until: 8})
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
