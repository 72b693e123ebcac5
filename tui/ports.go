package tui

import (
	"math"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// The Ports view answers "connect() fails with EADDRNOTAVAIL: why, for
// which destination, how soon, and what do I change?" from the sample's
// model.PortsReport: the range and its budget U, the settings and
// counters that matter, a table of the ephemeral port pools, and under it
// the findings of the selected pool and of the host, each with its
// advice. Pools and findings are the whole snapshot's, like the Remote
// endpoints view's flags: the filter does not narrow them.

// portsColSev is the pools table's severity column.
const portsColSev = 10

// portsGrid is the Ports view's table: one row per ephemeral port pool,
// most severe first (the report's order), then the fullest.
func (m *Model) portsGrid() *grid {
	g := &grid{
		cols: []gridCol{
			{title: "Local → Remote", min: 20, want: 27, max: 47},
			{title: "ESTAB", min: 5, max: 6, right: true, drop: 3},
			{title: "TW", min: 5, max: 6, right: true, drop: 4},
			{title: "In use", min: 6, max: 7, right: true},
			{title: "Usable", min: 6, max: 7, right: true, drop: 6},
			{title: "Free", min: 5, max: 6, right: true},
			{title: "Util", min: 4, max: 5, right: true},
			{title: "Rate/s", min: 7, max: 8, right: true, drop: 2},
			{title: "Sustains/s", min: 10, max: 10, right: true, drop: 5},
			{title: "Exhausted in", min: 12, max: 12, right: true, drop: 1},
			{title: "Severity", min: 8, max: 8},
		},
		empty: "no pool in use: no TCP socket has a local port from the ephemeral range",
	}
	if m.matcher != nil || m.hidden != 0 {
		g.note = "The filter does not narrow pools or findings: they are the whole snapshot's."
	}
	r := m.ports
	if r == nil {
		return g
	}
	if r.Ephemeral.Size() == 0 {
		g.empty = "ephemeral range unknown: no pools"
	}
	for i := range r.Pools {
		p := &r.Pools[i]
		est, tw := p.States.Of(model.StateEstablished), p.States.Of(model.StateTimeWait)
		rate := perSecond(p.Rate)
		if !p.RateFromSamples {
			rate = "~" + rate // TIME_WAIT / 60 s: no earlier sample yet
		}
		sustains, sustainsKey := perSecond(p.MaxRate), int64(p.MaxRate*1000)
		if math.IsInf(p.MaxRate, 1) {
			sustains, sustainsKey = "∞", math.MaxInt64
		}
		exhausted, exhaustedKey := "", int64(math.MaxInt64)
		if p.Exhaustion > 0 {
			exhausted, exhaustedKey = string(model.AppendDuration(nil, p.Exhaustion)), int64(p.Exhaustion)
		}
		util := int(p.Utilisation() * 100)
		subject := p.Subject()
		g.rows = append(g.rows, gridRow{
			key: subject, ref: i,
			cells: []string{
				subject, strconv.Itoa(est), strconv.Itoa(tw), strconv.Itoa(p.InUse), strconv.Itoa(p.Usable),
				strconv.Itoa(p.Free()), strconv.Itoa(util) + "%", rate, sustains, exhausted, sevLabel(p.Severity),
			},
			sort: []sortKey{
				text(subject), num(int64(est)), num(int64(tw)), num(int64(p.InUse)), num(int64(p.Usable)),
				num(int64(p.Free())), num(int64(p.Utilisation() * 1000)), num(int64(p.Rate * 1000)), num(sustainsKey), num(exhaustedKey), num(int64(p.Severity)),
			},
			sev: p.Severity, flagCol: portsColSev,
		})
	}
	return g
}

// sevLabel is a severity as a symbol and a word, "▲ WARN", so that it
// reads without colour; "" for none.
func sevLabel(s analyze.Severity) string {
	if s == analyze.SeverityNone {
		return ""
	}
	return s.Symbol() + " " + strings.ToUpper(s.String())
}

// perSecond writes a rate: whole from 10 up, else to a tenth, as the
// model's flags write theirs.
func perSecond(r float64) string {
	if r <= 0 {
		return "0"
	}
	return string(model.AppendRate(nil, r))
}

// portsLines draws the Ports view: the summary, the pools table and as
// many lines of the findings as fit under it (enter shows them all).
func (m *Model) portsLines() []string {
	g := m.currentGrid()
	if g == nil {
		return nil
	}
	body := m.bodyHeight() + 1
	lines := m.portsSummary()
	lines = append(lines, m.gridTable(g, m.portsTableHeight())...)
	lines = append(lines, "")
	room := body - len(lines)
	if room <= 0 {
		return lines
	}
	f := m.findingLines(m.width, false)
	more := "enter: what each advice fixes and does not"
	if len(f) >= room {
		n := len(f) - (room - 1)
		f = f[: room-1 : room-1]
		more = "… " + strconv.Itoa(n) + " more lines; enter: every finding, what each advice fixes and does not"
	}
	return append(append(lines, f...), m.st.Dim.Render(ansi.Truncate(more, m.width, "…")))
}

// portsTableHeight is the number of pool rows on screen: every pool, up
// to half of what the summary leaves, so the findings keep the rest.
func (m *Model) portsTableHeight() int {
	g := m.derived.grid(viewPorts)
	rows, used := 1, len(m.portsSummary())+2 // the titles, the line after the table
	if g != nil {
		rows = max(1, len(g.rows))
		if g.note != "" {
			used++
		}
	}
	return max(1, min(rows, (m.bodyHeight()+1-used)/2))
}

// portsSummary is the lines above the pools table: the ephemeral range
// and its budget U, the settings that decide how ports are handed out and
// how long they are held, and the TCP counters per second since the
// previous sample.
func (m *Model) portsSummary() []string {
	r := m.ports
	if r == nil {
		return nil
	}
	dim := m.st.Dim.Render
	n := strconv.Itoa
	// Each group of segments is spelled out in full when that takes no
	// more lines than the short spelling.
	wide := true
	pick := func(long, short string) string {
		if wide {
			return long
		}
		return short
	}
	group := func(segs func() []string) []string {
		wide = true
		long := flow(segs(), m.width)
		wide = false
		if short := flow(segs(), m.width); len(short) < len(long) {
			return short
		}
		return long
	}
	lines := group(func() []string {
		size := r.Ephemeral.Size()
		if size == 0 {
			return []string{dim("ephemeral range unknown: no pools")}
		}
		bound := size - r.Reserved - r.Held - r.Usable
		return []string{
			dim("ephemeral ") + r.Ephemeral.String() + dim(" ("+n(size)+pick(" ports)", ")")),
			dim("reserved ") + n(r.Reserved),
			dim(pick("held by a bind() ", "held ")) + n(r.Held),
			dim(pick("bound before connect ", "bound ")) + n(bound),
			m.st.Title.Render("U "+n(r.Usable)) + dim(" usable per pool"),
		}
	})

	s := &r.Settings
	lines = append(lines, group(func() []string {
		if !s.Read {
			return []string{dim("settings not read")}
		}
		conntrack := dim("conntrack ") + "off"
		if s.ConntrackMax > 0 {
			conntrack = dim("conntrack ") + n(s.ConntrackCount) + dim(pick(" of ", "/")) + n(s.ConntrackMax)
		}
		return []string{
			dim("tcp_tw_reuse ") + n(s.TCPTwReuse) + dim(" ("+twReuseWord(s.TCPTwReuse, wide)+")"),
			dim("tcp_timestamps ") + n(s.TCPTimestamps) + dim(pick(" ("+onOff(s.TCPTimestamps != 0)+")", "")),
			dim("TIME_WAIT ") + n(r.TimeWait) + dim(pick(" of tcp_max_tw_buckets ", "/tcp_max_tw_buckets ")) + n(s.TCPMaxTwBuckets),
			dim("somaxconn ") + n(s.Somaxconn),
			conntrack,
		}
	})...)

	c := &r.Counters
	return append(lines, group(func() []string {
		switch {
		case !c.Read:
			return []string{dim("counters not read")}
		case r.Interval == 0:
			return []string{dim("counters per second: from the next sample")}
		}
		b := &r.Before
		rate := func(name string, now, then uint64) string {
			if now < then {
				return dim(name+" ") + "reset"
			}
			return dim(name+" ") + perSecond(float64(now-then)/r.Interval.Seconds())
		}
		return []string{
			dim(pick("per second over ", "/s over ") + string(model.AppendDuration(nil, r.Interval)) + ":"),
			rate("TW", c.TW, b.TW),
			rate("TWRecycled", c.TWRecycled, b.TWRecycled),
			rate("TCPTimeWaitOverflow", c.TCPTimeWaitOverflow, b.TCPTimeWaitOverflow),
			rate("ListenOverflows", c.ListenOverflows, b.ListenOverflows),
			rate("ActiveOpens", c.ActiveOpens, b.ActiveOpens),
			rate("AttemptFails", c.AttemptFails, b.AttemptFails),
		}
	})...)
}

// twReuseWord says what a tcp_tw_reuse value means.
func twReuseWord(v int, long bool) string {
	if w := model.TwReuseMeaning(v, !long); w != "" {
		return w
	}
	return "?"
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// flow lays segments out on as few lines of width cells as it can, two
// spaces apart; a segment wider than a line is cut with "…".
func flow(segs []string, width int) []string {
	var lines []string
	cur, curW := "", 0
	for _, s := range segs {
		w := lipgloss.Width(s)
		if w > width {
			s, w = ansi.Truncate(s, width, "…"), width
		}
		switch {
		case curW == 0:
			cur, curW = s, w
		case curW+2+w <= width:
			cur, curW = cur+"  "+s, curW+2+w
		default:
			lines = append(lines, cur)
			cur, curW = s, w
		}
	}
	if curW > 0 {
		lines = append(lines, cur)
	}
	return lines
}
