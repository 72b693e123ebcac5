package tui

import (
	"net/netip"
	"slices"
	"strconv"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// remotesView is the Remote endpoints view: one row per remote address
// and port, its sockets by state, the TIME_WAIT share, the busiest
// ephemeral port pool to it, and its flags. Counts are of the sockets the
// filter selects; flags are the whole snapshot's, so a filter never hides
// or changes one.
type remotesView struct{ plainGrid }

// remotesGrid is the view's table, in its natural order unless sort
// names a column.
func remotesGrid(c *common, sort sortSpec) *grid {
	dests := c.net.Dests
	ix := dests
	if c.matcher != nil || c.hidden != 0 {
		ix = analyze.Destinations(c.filtered(), nil, 0, analyze.Thresholds{})
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
		if ix != dests {
			if host = dests.Lookup(d.Proto, d.Remote); host == nil {
				host = &analyze.Destination{}
			}
		}
		flags, poolInUse, poolUsable, sev := host.Flags, host.PoolInUse, host.PoolUsable, host.Severity()
		est, tw, cw := d.States.Of(model.StateEstablished), d.States.Of(model.StateTimeWait), d.States.Of(model.StateCloseWait)
		other := d.Total - est - tw - cw
		svc := c.labels.Port(d.Proto, d.Remote.Port()).Service
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
	if sort.col < 0 {
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
