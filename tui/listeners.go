package tui

import (
	"strconv"

	"github.com/conntab/conntab/model"
)

// listenersGrid is the Listeners view: every listening TCP socket and
// every unconnected UDP one the filter selects, with its bind scope,
// service, accept queue against backlog, and owner. An accept queue at its
// backlog is flagged: new connections are being dropped.
func (m *Model) listenersGrid() *grid {
	g := &grid{
		cols: []gridCol{
			{title: "Proto", min: 5, max: 5},
			{title: "Local", min: 15, want: 21, max: 47},
			{title: "Scope", min: 11, want: 16, max: 16},
			{title: "Service", min: 10, max: 14, drop: 2},
			{title: "Class", min: 10, max: 10, drop: 4},
			{title: "Accept/Backlog", min: 14, max: 14, right: true},
			{title: "Process", min: 14, max: 24, drop: 1},
			{title: "User", min: 8, max: 12, drop: 3},
			{title: "Flags", min: 9, max: 30},
		},
		empty: "no listening socket matches",
	}
	t := m.track
	listing := listingColumns()
	cell := func(name string, s *model.Socket) string {
		return string(listing[name].Append(nil, s, m.labels))
	}
	for _, i := range m.socks.rows {
		s := t.socket(i)
		if (s.State != model.StateListen && s.State != model.StateUnconn) || t.ghost(i) != nil {
			continue
		}
		lb := m.labels.Port(s.Proto, s.Local.Port())
		scope := model.Scope(s)
		queue, fill := "-", int64(-1)
		var sev model.Severity
		flag := ""
		if s.State == model.StateListen {
			queue = strconv.FormatUint(uint64(s.RecvQ), 10) + "/" + strconv.FormatUint(uint64(s.SendQ), 10)
			if s.SendQ > 0 {
				fill = int64(s.RecvQ) * 1000 / int64(s.SendQ)
				// The kernel drops a SYN once the queue is past its
				// backlog; at the backlog the next one is refused.
				if s.RecvQ >= s.SendQ {
					sev, flag = model.SeverityWarn, model.SeverityWarn.Symbol()+" QUEUE FULL"
				}
			}
		}
		netid, proc, user := cell("Netid", s), cell("Process", s), cell("User", s)
		local := string(model.AppendPeer(nil, s.Local))
		g.rows = append(g.rows, gridRow{
			key:   netid + " " + local,
			cells: []string{netid, local, scope.String(), safe(lb.Service), lb.Class.String(), queue, proc, user, flag},
			sort: []sortKey{text(netid), endpointKey(s.Local), num(int64(scope)), text(lb.Service), num(int64(lb.Class)),
				num(fill), text(proc), text(user), num(int64(sev))},
			sev: sev, flagCol: 8,
		})
	}
	if m.tables[viewListeners].sort.col < 0 {
		sortByDesc(g.rows, 8) // the flagged first, then by port
	}
	return g
}
