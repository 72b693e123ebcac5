package tui

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// remotesGrid is the Remote endpoints view: one row per remote address
// and port, its sockets by state, the TIME_WAIT share, the busiest
// ephemeral port pool to it, and its flags. Counts are of the sockets the
// filter selects; flags are the whole snapshot's, so a filter never hides
// or changes one.
func (m *Model) remotesGrid() *grid {
	ix := m.dests
	if m.matcher != nil || m.hidden != 0 {
		ix = analyze.Destinations(m.filtered(), nil, 0, analyze.Thresholds{})
	}
	g := &grid{
		cols: []gridCol{
			{title: "Proto", min: 5, max: 5},
			{title: "Remote", min: 15, want: 21, max: 47},
			{title: "Service", min: 10, max: 14, drop: 3},
			{title: "Total", min: 6, max: 7, right: true},
			{title: "ESTAB", min: 6, max: 7, right: true, drop: 1},
			{title: "TIME_WAIT", min: 9, max: 9, right: true},
			{title: "CLOSE_WAIT", min: 10, max: 10, right: true, drop: 2},
			{title: "Other", min: 6, max: 6, right: true, drop: 5},
			{title: "TW%", min: 4, max: 4, right: true, drop: 4},
			{title: "Pool", min: 11, max: 16, right: true, drop: 6},
			{title: "Flags", min: 12, max: 40},
		},
		empty: "no connected socket matches",
	}
	if ix == nil {
		return g
	}
	var buf []byte
	for i := range ix.Dests {
		d := &ix.Dests[i]
		// Pools and flags are the whole host's: a filter narrows the
		// counts, not the ports a destination has left.
		host := d
		if ix != m.dests {
			if host = m.dests.Lookup(d.Proto, d.Remote); host == nil {
				host = &analyze.Destination{}
			}
		}
		flags, poolInUse, poolUsable, sev := host.Flags, host.PoolInUse, host.PoolUsable, host.Severity()
		est, tw, cw := d.States.Of(model.StateEstablished), d.States.Of(model.StateTimeWait), d.States.Of(model.StateCloseWait)
		other := d.Total - est - tw - cw
		svc := m.labels.Port(d.Proto, d.Remote.Port()).Service
		pool, util := "-", 0
		if poolUsable > 0 {
			util = poolInUse * 100 / poolUsable
			pool = strconv.Itoa(poolInUse) + "/" + strconv.Itoa(poolUsable)
		}
		buf = appendFlagLabels(buf[:0], flags)
		remote := d.Remote.String()
		r := gridRow{
			key: d.Proto.String() + " " + remote,
			cells: []string{
				d.Proto.String(), remote, safe(svc), strconv.Itoa(d.Total), strconv.Itoa(est), strconv.Itoa(tw),
				strconv.Itoa(cw), strconv.Itoa(other), strconv.Itoa(int(d.TimeWaitShare()*100)) + "%", pool, string(buf),
			},
			sort: []sortKey{
				text(d.Proto.String()), endpointKey(d.Remote), text(svc), num(int64(d.Total)), num(int64(est)), num(int64(tw)),
				num(int64(cw)), num(int64(other)), num(int64(d.TimeWaitShare() * 1000)), num(int64(util)), num(int64(sev)),
			},
			sev: sev, flagCol: 10,
		}
		g.rows = append(g.rows, r)
	}
	if m.tables[viewRemotes].sort.col < 0 {
		// Natural order: the flagged first, then by sockets.
		slices.SortStableFunc(g.rows, func(a, b gridRow) int {
			if c := b.sort[10].cmp(a.sort[10]); c != 0 {
				return c
			}
			return b.sort[3].cmp(a.sort[3])
		})
	}
	return g
}

// endpointKey sorts endpoints by address, then port.
func endpointKey(ap netip.AddrPort) sortKey {
	b := ap.Addr().As16()
	return sortKey{s: string(b[:]) + string([]byte{byte(ap.Port() >> 8), byte(ap.Port())})}
}

// appendFlagLabels appends the flags as their labels, worst first.
func appendFlagLabels(dst []byte, flags []analyze.Flag) []byte {
	for sev := analyze.SeverityCritical; sev > analyze.SeverityNone; sev-- {
		for i := range flags {
			if flags[i].Severity == sev {
				if len(dst) > 0 {
					dst = append(dst, ' ')
				}
				dst = flags[i].AppendLabel(dst)
			}
		}
	}
	return dst
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

// filtered is a snapshot of the sockets the filter and toggles select.
func (m *Model) filtered() *model.Snapshot {
	snap := *m.track.Snap
	snap.Sockets = make([]model.Socket, 0, len(m.socks.rows))
	for _, i := range m.socks.rows {
		if m.track.Ghost(i) == nil {
			snap.Sockets = append(snap.Sockets, *m.track.Socket(i))
		}
	}
	return &snap
}

// groupFlag sums up, for a state group's header, the flags about that
// state: the worst and how many endpoints raise one.
func (m *Model) groupFlag(s model.State) string {
	var kinds []analyze.FlagKind
	switch s {
	case model.StateTimeWait:
		kinds = []analyze.FlagKind{analyze.FlagTimeWait, analyze.FlagTimeWaitRising}
	case model.StateCloseWait:
		kinds = []analyze.FlagKind{analyze.FlagCloseWait, analyze.FlagCloseWaitRising}
	default:
		return ""
	}
	var worst *analyze.Flag
	n := 0
	if m.dests == nil {
		return ""
	}
	for i := range m.dests.Flags {
		f := &m.dests.Flags[i]
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
	return m.sevStyle(worst.Severity).Render(text)
}

// ephemeralSegs are the header's ephemeral range, its busiest pool with
// that pool's own severity, and how many endpoints are flagged.
func (m *Model) ephemeralSegs(wide bool) []seg {
	ix := m.dests
	if ix == nil || ix.Ephemeral.Size() == 0 {
		return []seg{{text: m.st.Dim.Render("ephemeral range unknown"), drop: 4}}
	}
	eph, usable := "eph ", " ("+strconv.Itoa(ix.Usable)+")"
	if wide {
		eph, usable = "ephemeral ", " ("+strconv.Itoa(ix.Usable)+" usable)"
	}
	segs := []seg{{text: m.st.Dim.Render(eph) + strconv.Itoa(int(ix.Ephemeral.Lo)) + "-" + strconv.Itoa(int(ix.Ephemeral.Hi)) + m.st.Dim.Render(usable), drop: 3}}
	p := ix.BusiestPool()
	if p == nil {
		return append(segs, seg{text: m.st.Dim.Render("no pool in use"), drop: 5})
	}
	busiest := m.st.Dim.Render("busiest ") + p.Remote.String() + " "
	if wide {
		busiest += strconv.Itoa(p.InUse) + "/" + strconv.Itoa(p.Usable) + " "
	}
	busiest += strconv.Itoa(int(p.Utilisation()*100)) + "%"
	var sev analyze.Severity
	for i := range ix.Flags {
		if f := &ix.Flags[i]; f.Local == p.Local && f.Remote == p.Remote {
			sev = max(sev, f.Severity)
		}
	}
	if sev != analyze.SeverityNone {
		busiest += " " + m.sevStyle(sev).Render(sev.Symbol()+" "+strings.ToUpper(sev.String()))
	}
	segs = append(segs, seg{text: busiest})
	if n := flaggedEndpoints(ix); n > 0 {
		text := strconv.Itoa(n) + " flagged"
		if wide {
			text += " (view 2)"
		}
		segs = append(segs, seg{text: m.sevStyle(ix.Severity()).Render(text), drop: 1})
	}
	return segs
}
