package render

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// writePoolsTable writes the first o.Top pools, and says how many more
// there are and whether any of them is flagged.
func writePoolsTable(p *textPrinter, r *analyze.PortsReport, o PortsTextOptions) {
	p.w.WriteByte('\n')
	if len(r.Pools) == 0 {
		p.para("POOLS: none (no TCP connection from a port of the ephemeral range)", "", "  ")
		return
	}
	p.w.WriteString("POOLS\n")
	header, right := poolsHeader(o.Samples > 0)
	shown := r.Pools[:min(len(r.Pools), o.Top)]
	rows := make([][]string, 0, len(shown))
	for i := range shown {
		rows = append(rows, poolRow(&shown[i], o.Samples > 0))
	}
	writeAligned(p.w, header, right, rows)
	writeMorePools(p, r.Pools[len(shown):], len(shown))
	p.para(closesNote(r, o.Samples > 0), "", "  ")
}

// poolsHeader is the POOLS table's header, and which of its columns are
// right-aligned; exhaustion adds EXHAUSTED IN.
func poolsHeader(exhaustion bool) (header []string, right []bool) {
	header = []string{"LOCAL → REMOTE", "EST", "TW", "OTHER", "IN USE", "USABLE", "FREE", "UTIL %", "CLOSES /s", "SUSTAINS /s"}
	right = []bool{false, true, true, true, true, true, true, true, true, true}
	if exhaustion {
		header = append(header, "EXHAUSTED IN")
		right = append(right, true)
	}
	return append(header, "SEVERITY"), append(right, false)
}

// closesNote says what CLOSES /s and EXHAUSTED IN count, and, with two
// samples, how the pools' closes stand against ActiveOpens, which counts
// something else.
func closesNote(r *analyze.PortsReport, exhaustion bool) string {
	if r.RatesOver == 0 {
		return "CLOSES /s: each pool's connections that the client closed first, per second, as TIME_WAIT / 60 s (the last minute's; -i takes them over an interval)."
	}
	b := []byte("CLOSES /s: each pool's connections that the client closed first, per second, ")
	if r.Pools[0].RateFromTimers() {
		b = append(b, "by their TIME_WAIT timers"...)
	} else {
		b = append(b, "from the growth of TIME_WAIT"...)
	}
	b = append(b, " over the "...)
	b = model.AppendDuration(b, r.RatesOver)
	b = append(b, " between the samples. "...)
	if exhaustion {
		b = append(b, "EXHAUSTED IN: only for a pool that cannot sustain its closes, at the growth of its blocking ports. "...)
	}
	return string(appendOpensWhy(b, r, "CLOSES /s"))
}

// appendOpensWhy appends how the pools' closes per second (column names
// them) stand against ActiveOpens over the same interval: that they add
// up to it, or why they do not. It appends nothing without two samples'
// counters.
func appendOpensWhy(dst []byte, r *analyze.PortsReport, column string) []byte {
	s, ok := r.Opens()
	if !ok {
		return dst
	}
	rate := func(dst []byte, v float64) []byte { return append(model.AppendRate(dst, v), "/s"...) }
	dst = append(dst, "ActiveOpens rose "...)
	dst = rate(dst, s.ActiveOpens)
	if s.Agree {
		dst = append(dst, ": the pools' "...)
		dst = append(dst, column...)
		return append(dst, " add up to it."...)
	}
	dst = append(dst, " and the pools' "...)
	dst = append(dst, column...)
	dst = append(dst, " add up to "...)
	dst = rate(dst, s.Closed)
	dst = append(dst, ": ActiveOpens counts every connect() in the namespace, to every destination"...)
	if s.Failed > 0 {
		dst = append(dst, "; "...)
		dst = rate(dst, s.Failed)
		dst = append(dst, " failed (AttemptFails)"...)
	}
	switch {
	case s.Rest >= 0.05:
		dst = append(dst, "; "...)
		dst = rate(dst, s.Rest)
		dst = append(dst, " are connections still open, closed by the peer first, or from no pool"...)
		if s.Recycled > 0 {
			dst = append(dst, ", or whose TIME_WAIT connect() took over ("...)
			dst = rate(dst, s.Recycled)
			dst = append(dst, " TWRecycled)"...)
		}
	case s.Rest <= -0.05:
		dst = append(dst, "; "...)
		dst = rate(dst, -s.Rest)
		dst = append(dst, " more closed than opened: connections opened before the interval"...)
	}
	return append(dst, '.')
}

// poolRow is one line of the POOLS table; exhaustion adds EXHAUSTED IN.
func poolRow(pool *analyze.PoolReport, exhaustion bool) []string {
	est, tw := pool.States.Of(model.StateEstablished), pool.States.Of(model.StateTimeWait)
	row := []string{
		safe(pool.Subject()),
		strconv.Itoa(est), strconv.Itoa(tw), strconv.Itoa(pool.InUse - est - tw),
		strconv.Itoa(pool.InUse), strconv.Itoa(pool.Usable), strconv.Itoa(pool.Free()),
		strconv.FormatFloat(pool.Utilisation()*100, 'f', 1, 64),
		string(model.AppendRate(nil, pool.Rate)), sustains(pool),
	}
	if exhaustion {
		left := "-"
		if pool.Exhaustion > 0 {
			left = string(model.AppendDuration(nil, pool.Exhaustion))
		}
		row = append(row, left)
	}
	return append(row, severityMark(pool.Severity, "-"))
}

// writeMorePools says how many pools past --top were left out, and how
// many of them are flagged; shown is how many were not.
func writeMorePools(p *textPrinter, more []analyze.PoolReport, shown int) {
	if len(more) == 0 {
		return
	}
	flagged := 0
	for i := range more {
		if more[i].Severity != analyze.SeverityNone {
			flagged++
		}
	}
	s := fmt.Sprintf("… and %d more %s", len(more), plural(len(more), "pool", "pools"))
	if flagged == 0 {
		s += ", none of them flagged"
	} else {
		s += fmt.Sprintf(", %d of them flagged (--top %d shows them)", flagged, shown+flagged)
	}
	p.para(s+"; --json lists every pool.", "", "  ")
}

// writeBindPools writes the sockets bound before connect(), one row per
// local address.
func writeBindPools(p *textPrinter, r *analyze.PortsReport) {
	if len(r.BindPools) == 0 {
		return
	}
	p.w.WriteString("\nBIND-BEFORE-CONNECT\n")
	rows := make([][]string, 0, len(r.BindPools))
	for i := range r.BindPools {
		bp := &r.BindPools[i]
		rows = append(rows, []string{
			safe(bp.Local.String()), strconv.Itoa(bp.Sockets), stateList(&bp.States),
			strconv.Itoa(bp.InUse), strconv.Itoa(bp.Usable),
			strconv.FormatFloat(bp.Utilisation()*100, 'f', 1, 64),
			severityMark(bp.Severity, "-"),
		})
	}
	writeAligned(p.w, []string{"LOCAL", "SOCKETS", "STATES", "IN USE", "USABLE", "UTIL %", "SEVERITY"},
		[]bool{false, true, false, true, true, true, false}, rows)
}

// writeHeldPorts lists the ports of the range a bind() holds, each with
// the sockets on it.
func writeHeldPorts(p *textPrinter, r *analyze.PortsReport) {
	if len(r.HeldPorts) == 0 {
		return
	}
	p.w.WriteString("\nHELD PORTS\n")
	for i := range r.HeldPorts {
		h := &r.HeldPorts[i]
		socks := make([]string, len(h.Sockets))
		for k := range h.Sockets {
			s := &h.Sockets[k]
			socks[k] = glue(s.Local.String(), s.State.String())
		}
		p.para(strings.Join(socks, ", "), fmt.Sprintf("%-5d  ", h.Port), "       ")
	}
}

// stateList is "1 ESTABLISHED, 2 TIME_WAIT": the states with a count, in
// kernel order.
func stateList(c *model.StateCounts) string {
	var parts []string
	for _, st := range model.AllStates {
		if n := c.Of(st); n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+st.String())
		}
	}
	return strings.Join(parts, ", ")
}
