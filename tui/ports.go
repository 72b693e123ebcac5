package tui

import (
	"math"
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/conntab/conntab/model"
)

// The Ports view answers "connect() fails with EADDRNOTAVAIL: why, for
// which destination, how soon, and what do I change?" from the sample's
// analyze.PortsReport: the range and its budget U, the settings and
// counters that matter, a table of the ephemeral port pools, and under it
// the findings of the selected pool and of the host, each with its
// advice. Pools and findings are the whole snapshot's, like the Remote
// endpoints view's flags: the filter does not narrow them.
//
// Closes/s is a pool's connections the client closed first, per second:
// by their TIME_WAIT timers over the interval, or, marked "~" before a
// second sample, TIME_WAIT / 60 s. When ActiveOpens over the interval is
// something else, the summary says what the difference is made of
// (opensSegs). Exhausted in is blank for a pool that sustains its closes.

// portsColSev is the pools table's severity column.
const portsColSev = 10

// portsView is the Ports view. Enter opens the findings on the whole
// screen.
type portsView struct{ gridView }

func (v *portsView) refresh(c *common) {
	v.set(portsGrid(c))
	clampCursor(c, v)
}

func (v *portsView) update(c *common, msg tea.KeyPressMsg) (opened, tea.Cmd) {
	if key.Matches(msg, c.keys.Enter) {
		return opened{findings: &findingsPane{}}, nil
	}
	return opened{}, nil
}

// view draws the summary, the pools table and as many lines of the
// findings as fit under it (enter shows them all).
func (v *portsView) view(c *common) []string {
	if v.grid == nil {
		return nil
	}
	body := c.bodyHeight() + 1
	lines := portsSummary(c)
	lines = append(lines, v.tableLines(c, v.height(c))...)
	lines = append(lines, "")
	room := body - len(lines)
	if room <= 0 {
		return lines
	}
	f := v.findingLines(c, c.width, false)
	more := "enter: what each advice fixes and does not"
	if len(f) >= room {
		n := len(f) - (room - 1)
		f = f[: room-1 : room-1]
		more = "… " + strconv.Itoa(n) + " more lines; enter: every finding, what each advice fixes and does not"
	}
	return append(append(lines, f...), c.st.Dim.Render(ansi.Truncate(more, c.width, "…")))
}

// height is the number of pool rows on screen: every pool, up to half of
// what the summary leaves, so the findings keep the rest.
func (v *portsView) height(c *common) int {
	rows, used := 1, len(portsSummary(c))+2 // the titles, the line after the table
	if g := v.grid; g != nil {
		rows = max(1, len(g.rows))
		if g.note != "" {
			used++
		}
	}
	return max(1, min(rows, (c.bodyHeight()+1-used)/2))
}

// portsGrid is the view's table: one row per ephemeral port pool, most
// severe first (the report's order), then the fullest.
func portsGrid(c *common) *grid {
	g := &grid{
		cols: []gridCol{
			{title: "Local → Remote", min: 20, want: 27, max: 47},
			{title: "ESTAB", min: 5, max: 6, right: true, drop: 3},
			{title: "TW", min: 5, max: 6, right: true, drop: 4},
			{title: "In use", min: 6, max: 7, right: true},
			{title: "Usable", min: 6, max: 7, right: true, drop: 6},
			{title: "Free", min: 5, max: 6, right: true},
			{title: "Util", min: 4, max: 5, right: true},
			{title: "Closes/s", min: 8, max: 8, right: true, drop: 2},
			{title: "Sustains/s", min: 10, max: 10, right: true, drop: 5},
			{title: "Exhausted in", min: 12, max: 12, right: true, drop: 1},
			{title: "Severity", min: 8, max: 8},
		},
		empty: "no pool in use: no TCP socket has a local port from the ephemeral range",
	}
	if c.matcher != nil || c.hidden != 0 {
		g.note = "The filter does not narrow pools or findings: they are the whole snapshot's."
	}
	r := c.ports()
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

// perSecond writes a rate: whole from 10 up, else to a tenth, as the
// model's flags write theirs.
func perSecond(r float64) string {
	if r <= 0 {
		return "0"
	}
	return string(model.AppendRate(nil, r))
}
