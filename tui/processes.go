package tui

import (
	"strconv"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// processesView is the Processes view: one row per process, its sockets
// by state, and the TIME_WAIT and orphaned sockets its connections left
// behind ("was", from owner memory); then one row for the sockets no
// process is known to hold.
type processesView struct{ plainGrid }

// processesGrid is the view's table, the busiest first unless sort names
// a column.
func processesGrid(c *common, sort sortSpec) *grid {
	g := &grid{
		cols: []gridCol{
			{title: "PID", min: 7, max: 8, right: true},
			{title: "Process", min: 15, max: 24},
			{title: "Total", min: 6, max: 7, right: true},
			{title: "ESTAB", min: 6, max: 7, right: true},
			{title: "LISTEN", min: 6, max: 6, right: true, drop: 3},
			{title: "CLOSE_WAIT", min: 10, max: 10, right: true, drop: 1},
			{title: "Other", min: 6, max: 6, right: true, drop: 4},
			{title: "UDP", min: 5, max: 6, right: true, drop: 5},
			{title: "was: TIME_WAIT", min: 14, max: 14, right: true, drop: 2},
		},
		empty: "no socket matches",
	}
	if c.net.Snap.Owners == nil {
		g.empty = "processes are not being looked up (conntab top -P turns them off)"
		return g
	}
	pc := analyze.CountProcesses(c.filtered())
	row := func(p *analyze.ProcessSockets, pid, name string) gridRow {
		est, lis, cw := p.States.Of(model.StateEstablished), p.States.Of(model.StateListen), p.States.Of(model.StateCloseWait)
		udp := p.States.Of(model.StateUnconn)
		other := p.Total - est - lis - cw - udp
		tw := p.Former.Of(model.StateTimeWait)
		return gridRow{
			key:   pid + "/" + name,
			cells: []string{pid, name, strconv.Itoa(p.Total), strconv.Itoa(est), strconv.Itoa(lis), strconv.Itoa(cw), strconv.Itoa(other), strconv.Itoa(udp), strconv.Itoa(tw)},
			sort: []sortKey{num(int64(p.PID)), text(p.Comm), num(int64(p.Total)), num(int64(est)), num(int64(lis)), num(int64(cw)),
				num(int64(other)), num(int64(udp)), num(int64(tw))},
			flagCol: -1,
		}
	}
	for i := range pc.Procs {
		p := &pc.Procs[i]
		g.rows = append(g.rows, row(p, strconv.Itoa(int(p.PID)), safe(p.Comm)))
	}
	if sort.col < 0 {
		sortByDesc(g.rows, 2)
	}
	if pc.Unknown.Total > 0 || pc.Unknown.FormerTotal > 0 {
		u := row(&pc.Unknown, "-", "(no known process)")
		u.sort = nil
		g.rows = append(g.rows, u)
	}
	if pc.Hidden > 0 {
		g.note = strconv.Itoa(pc.Hidden) + " processes could not be inspected: " + hiddenAdvice(c.root)
	}
	return g
}

// hiddenAdvice is what would name the sockets of processes the walk could
// not read: root, unless the dashboard is root already, when a security
// module or a user namespace beyond its reach refused it.
func hiddenAdvice(root bool) string {
	if root {
		return "even root may not (a security module, or a user namespace beyond reach)"
	}
	return "run as root to name their sockets"
}
