package tui

import (
	"net/netip"
	"slices"
	"strconv"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// remotesView is the Remote endpoints view: one row per remote endpoint
// this host connects to (outbound), and one per remote address and local
// service for the connections this host accepted (inbound: "10.0.0.3 →
// :5432", however many client ports), with the sockets by state, the
// TIME_WAIT share, the busiest ephemeral port pool to it, and its flags.
// Counts are of the sockets the filter selects; flags and pools are the
// whole snapshot's, and so is what makes a connection inbound (the
// listeners), so a filter never hides or changes one.
type remotesView struct{ plainGrid }

// remotesGrid is the view's table, in its natural order unless sort
// names a column.
func remotesGrid(c *common, sort sortSpec) *grid {
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
	if c.net == nil || c.net.Dests == nil {
		return g
	}
	snap := c.net.Snap
	if c.matcher != nil || c.hidden != 0 {
		snap = c.filtered()
	}
	groups := analyze.GroupRemotes(snap, analyze.NewInbound(c.net.Snap), c.net.Dests)
	var buf []byte
	for i := range groups {
		g.rows = append(g.rows, remoteRow(c, &groups[i], &buf))
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

// remoteRow is one group's row; buf is scratch space for its flags.
func remoteRow(c *common, r *analyze.RemoteGroup, buf *[]byte) gridRow {
	est, tw, cw := r.States.Of(model.StateEstablished), r.States.Of(model.StateTimeWait), r.States.Of(model.StateCloseWait)
	other := r.Total - est - tw - cw
	twShare := 0
	if r.Total > 0 {
		twShare = tw * 1000 / r.Total
	}
	pool, util := "-", 0
	if d := r.Dest; d != nil && d.PoolUsable > 0 {
		util = d.PoolInUse * 100 / d.PoolUsable
		pool = strconv.Itoa(d.PoolInUse) + "/" + strconv.Itoa(d.PoolUsable)
	}
	remote, port := r.Remote.String(), r.Remote.Port()
	key := r.Proto.String() + " " + remote
	if r.Inbound {
		// The remote address, and this host's service it connects to.
		remote, port = r.Remote.Addr().String()+" → :"+strconv.Itoa(int(r.LocalPort)), r.LocalPort
		key = r.Proto.String() + " in " + remote
	}
	svc := c.labels.Port(r.Proto, port).Service
	*buf = appendFlagLabels((*buf)[:0], r.Flags)
	sev := r.Severity()
	return gridRow{
		key: key,
		cells: []string{
			r.Proto.String(), remote, safe(svc), strconv.Itoa(r.Total), strconv.Itoa(est), strconv.Itoa(tw),
			strconv.Itoa(cw), strconv.Itoa(other), strconv.Itoa(twShare/10) + "%", pool, string(*buf),
		},
		sort: []sortKey{
			text(r.Proto.String()), remoteKey(r), text(svc), num(int64(r.Total)), num(int64(est)), num(int64(tw)),
			num(int64(cw)), num(int64(other)), num(int64(twShare)), num(int64(util)), num(int64(sev)),
		},
		sev: sev, flagCol: 10,
	}
}

// remoteKey sorts a group by remote address, then port (an inbound
// group's is 0), then local port.
func remoteKey(r *analyze.RemoteGroup) sortKey {
	k := endpointKey(r.Remote)
	k.s += string([]byte{byte(r.LocalPort >> 8), byte(r.LocalPort)})
	return k
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
