package tui

import (
	"strconv"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// portsSummary is the lines above the pools table: the ephemeral range
// and its budget U, the settings that decide how ports are handed out and
// how long they are held, and the TCP counters per second since the
// previous sample. Each group is spelled out in full when that takes no
// more lines than the short spelling.
func portsSummary(c *common) []string {
	r := c.ports()
	if r == nil {
		return nil
	}
	s := summary{dim: c.st.Dim.Render, title: c.st.Title.Render, r: r}
	group := func(segs func(s summary) []string) []string {
		s.wide = true
		long := flow(segs(s), c.width)
		s.wide = false
		if short := flow(segs(s), c.width); len(short) < len(long) {
			return short
		}
		return long
	}
	var lines []string
	if c.net.WhatIf != nil {
		lines = flow([]string{c.st.Warn.Render("WHAT IF " + safe(c.whatIf) + ":"),
			"the pools as they would be, judged on this sample's sockets; nothing changed on the host (W: change it, or empty it to go back)"}, c.width)
	}
	lines = append(lines, group(summary.rangeSegs)...)
	lines = append(lines, group(summary.settingsSegs)...)
	lines = append(lines, group(summary.counterSegs)...)
	return append(lines, group(summary.opensSegs)...)
}

// summary draws the segments of the Ports view's summary, long or short
// (wide).
type summary struct {
	dim, title func(...string) string
	r          *analyze.PortsReport
	wide       bool
}

// pick is long or short, as the summary is spelled.
func (s summary) pick(long, short string) string {
	if s.wide {
		return long
	}
	return short
}

// rangeSegs are the ephemeral range, what of it is reserved, held or
// bound, and U.
func (s summary) rangeSegs() []string {
	r, dim, n := s.r, s.dim, strconv.Itoa
	size := r.Ephemeral.Size()
	if size == 0 {
		return []string{dim("ephemeral range unknown: no pools")}
	}
	bound := size - r.Reserved - r.Held - r.Usable
	return []string{
		dim("ephemeral ") + r.Ephemeral.String() + dim(" ("+n(size)+s.pick(" ports)", ")")),
		dim("reserved ") + n(r.Reserved),
		dim(s.pick("held by a bind() ", "held ")) + n(r.Held),
		dim(s.pick("bound before connect ", "bound ")) + n(bound),
		s.title("U "+n(r.Usable)) + dim(" usable per pool"),
	}
}

// settingsSegs are the settings that decide how ports are handed out and
// how long TIME_WAIT holds them.
func (s summary) settingsSegs() []string {
	r, dim, n := s.r, s.dim, strconv.Itoa
	set := &r.Settings
	if !set.Read {
		return []string{dim("settings not read")}
	}
	conntrack := dim("conntrack ") + "off"
	if set.ConntrackMax > 0 {
		conntrack = dim("conntrack ") + n(set.ConntrackCount) + dim(s.pick(" of ", "/")) + n(set.ConntrackMax)
	}
	return []string{
		dim("tcp_tw_reuse ") + n(set.TCPTwReuse) + dim(" ("+twReuseWord(set.TCPTwReuse, s.wide)+")"),
		dim("tcp_timestamps ") + n(set.TCPTimestamps) + dim(s.pick(" ("+onOff(set.TCPTimestamps != 0)+")", "")),
		dim("TIME_WAIT ") + n(r.TimeWait) + dim(s.pick(" of tcp_max_tw_buckets ", "/tcp_max_tw_buckets ")) + n(set.TCPMaxTwBuckets),
		dim("somaxconn ") + n(set.Somaxconn),
		conntrack,
	}
}

// counterSegs are the TCP counters per second since the previous sample.
func (s summary) counterSegs() []string {
	r, dim := s.r, s.dim
	c := &r.Counters
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
		dim(s.pick("per second over ", "/s over ") + string(model.AppendDuration(nil, r.Interval)) + ":"),
		rate("TW", c.TW, b.TW),
		rate("TWRecycled", c.TWRecycled, b.TWRecycled),
		rate("TCPTimeWaitOverflow", c.TCPTimeWaitOverflow, b.TCPTimeWaitOverflow),
		rate("ListenOverflows", c.ListenOverflows, b.ListenOverflows),
		rate("ActiveOpens", c.ActiveOpens, b.ActiveOpens),
		rate("AttemptFails", c.AttemptFails, b.AttemptFails),
	}
}

// opensSegs say, when ActiveOpens and the pools' Closes/s over the same
// interval differ, what makes up the difference: ActiveOpens counts
// every connect() in the namespace; Closes/s one pool's connections the
// client closed first. Nothing when they agree, or cannot be compared.
func (s summary) opensSegs() []string {
	o, ok := s.r.Opens()
	if !ok || o.Agree {
		return nil
	}
	dim, n := s.dim, perSecond
	segs := []string{dim("ActiveOpens ") + n(o.ActiveOpens) + dim(s.pick(" = the pools' Closes/s ", " = Closes/s ")) + n(o.Closed)}
	if o.Failed > 0 {
		segs = append(segs, dim("+ failed ")+n(o.Failed))
	}
	switch {
	case o.Rest >= 0.05 && o.Recycled > 0:
		segs = append(segs, dim(s.pick("+ still open, closed by the peer, from no pool or taken over ", "+ open, peer-closed, other or reused "))+n(o.Rest))
	case o.Rest >= 0.05:
		segs = append(segs, dim(s.pick("+ still open, closed by the peer first or from no pool ", "+ open, peer-closed or other "))+n(o.Rest))
	case o.Rest <= -0.05:
		segs = append(segs, dim(s.pick("− opened before the interval ", "− opened before "))+n(-o.Rest))
	}
	if s.wide {
		segs = append(segs, dim("(ActiveOpens: every connect() here, to any destination; Closes/s: a pool's connections the client closed first)"))
	}
	return segs
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
