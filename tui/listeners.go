package tui

import (
	"cmp"
	"slices"
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/model"
)

// The Listeners view is the listener audit of what the filter selects:
// every listening TCP socket and every bound, unconnected UDP one
// (audit.IsListener), with its bind scope, service, whether its port took
// privilege, its accept queue against its backlog, its owner, and the
// findings of the sample's audit (Config.Rules) as flags, as conntab
// listeners writes them. Enter shows the selected listener's findings with what to do, drawn
// as the Ports view draws its own (appendFinding).

// The Listeners view's columns, in order.
const (
	listenersColProto = iota
	listenersColLocal
	listenersColScope
	listenersColService
	listenersColClass
	listenersColPriv
	listenersColQueue
	listenersColProcess
	listenersColUser
	listenersColFlags
)

// listenersView is the Listeners view. Its findings are the sample's
// listener audit's (sample.Net.Listeners), by socket: audited is made
// with the grid, and, like it, never changed after.
type listenersView struct {
	gridView
	audited map[model.Socket][]analyze.Finding
}

// reset drops the grid and the findings of an earlier sample.
func (v *listenersView) reset() {
	v.gridView.reset()
	v.audited = nil
}

func (v *listenersView) refresh(c *common) {
	v.set(v.build(c))
	clampCursor(c, v)
}

// update opens the selected listener's findings on enter.
func (v *listenersView) update(c *common, msg tea.KeyPressMsg) (opened, tea.Cmd) {
	if key.Matches(msg, c.keys.Enter) && v.selectedRow() != nil {
		return opened{findings: &findingsPane{}}, nil
	}
	return opened{}, nil
}

func (v *listenersView) view(c *common) []string { return v.tableLines(c, v.height(c)) }

// build is the view's table, the flagged first, then in the audit's
// order: by protocol, port and address, unless the table's sort names a
// column.
func (v *listenersView) build(c *common) *grid {
	v.audited = map[model.Socket][]analyze.Finding{}
	if r := c.net.Listeners; r != nil {
		for i := range r.Listeners {
			l := &r.Listeners[i]
			v.audited[l.Socket] = l.Findings
		}
	}
	g := &grid{
		cols: []gridCol{
			{title: "Proto", min: 5, max: 5},
			{title: "Local", min: 15, want: 21, max: 47},
			{title: "Scope"}, // set below, from the rows' scopes
			{title: "Service", min: 10, max: 14, drop: 2},
			{title: "Class", min: 5, max: 5, drop: 5},
			{title: "Priv", min: 4, max: 4, drop: 4},
			{title: "Accept/Backlog", min: 14, max: 14, right: true},
			{title: "Process", min: 12, max: 24, drop: 1},
			{title: "User", min: 8, max: 12, drop: 3},
			{title: "Flags", min: 12, max: 30},
		},
		empty: "no listening socket matches",
	}
	t := c.net.Diff
	listing := listingColumns()
	cell := func(name string, s *model.Socket) string {
		return string(listing[name].Append(nil, s, c.labels))
	}
	scopeWidth, flagged := len("Scope"), false
	for _, i := range c.sel {
		s := t.Socket(i)
		if !audit.IsListener(s) || t.Ghost(i) != nil {
			continue
		}
		r := v.row(c, s, i, cell)
		scopeWidth = max(scopeWidth, ansi.StringWidth(r.cells[listenersColScope]))
		flagged = flagged || r.sev != analyze.SeverityNone
		g.rows = append(g.rows, r)
	}
	// The scope's name is as wide as the widest row's; its short spelling
	// ("all46") takes its place where the name would cost a column.
	g.cols[listenersColScope] = gridCol{title: "Scope", min: scopeWidth, max: scopeWidth,
		short: &gridCol{title: "Scope", min: 5, max: 5}}
	switch {
	case t.Snap.Owners == nil:
		g.note = "processes are not being looked up (conntab top -P): no program is judged"
	case flagged:
		g.note = "enter: the selected listener's findings and what to do (docs/listeners.md)"
	}
	if v.table.sort.col < 0 {
		slices.SortStableFunc(g.rows, func(a, b gridRow) int {
			x, y := t.Socket(int32(a.ref)), t.Socket(int32(b.ref))
			return cmp.Or(cmp.Compare(b.sev, a.sev), cmp.Compare(x.Proto, y.Proto),
				cmp.Compare(x.Local.Port(), y.Local.Port()), x.Local.Addr().Compare(y.Local.Addr()))
		})
	}
	return g
}

// row is the row of listener s, Diff index i; cell draws the listing's
// cells.
func (v *listenersView) row(c *common, s *model.Socket, i int32, cell func(string, *model.Socket) string) gridRow {
	lb := c.labels.Port(s.Proto, s.Local.Port())
	scope := model.Scope(s)
	findings := v.findings(s)
	var sev analyze.Severity
	for _, f := range findings {
		sev = max(sev, f.Severity)
	}
	flags := audit.FindingFlags(findings)
	priv, privKey := privileged(c, s.Local.Port())
	queue, fill := acceptQueue(s, c.net.Snap.Source)
	netid, proc, user := cell("Netid", s), cell("Process", s), cell("User", s)
	local := string(model.AppendPeer(nil, s.Local))
	short := make([]string, listenersColScope+1)
	short[listenersColScope] = scope.Short()
	return gridRow{
		key: netid + " " + local, ref: int(i),
		cells: []string{netid, local, scope.String(), safe(lb.Service), lb.Class.Short(), priv, queue, proc, user, flags},
		short: short,
		sort: []sortKey{text(netid), endpointKey(s.Local), num(scopeRank(scope)), text(lb.Service), num(int64(lb.Class)),
			num(privKey), num(fill), text(proc), text(user), {n: int64(sev), s: flags}},
		sev: sev, flagCol: listenersColFlags,
	}
}

// selected is the row under the cursor and its socket, or nil.
func (v *listenersView) selected(c *common) (*gridRow, *model.Socket) {
	r := v.selectedRow()
	if r == nil {
		return nil, nil
	}
	return r, c.net.Diff.Socket(int32(r.ref))
}

// findingLines draws the selected listener, where it listens and who
// holds it, then its findings, each with its advice, wrapped to width:
// what to do, and with full what each advice fixes and what it does not.
// The scope is spelled out here whatever the table's width.
func (v *listenersView) findingLines(c *common, width int, full bool) []string {
	dim := c.st.Dim.Render
	r, s := v.selected(c)
	if r == nil {
		return []string{c.st.Title.Render("Findings"), dim("No listener selected.")}
	}
	cells := r.cells
	name := r.key
	if svc := cells[listenersColService]; svc != "" {
		name += " (" + svc + ")"
	}
	out := []string{ansi.Truncate(c.st.Title.Render("Findings")+dim(" for ")+name, width, "…")}
	out = append(out, flow([]string{
		dim("scope ") + cells[listenersColScope],
		dim("process ") + cells[listenersColProcess],
		dim("user ") + cells[listenersColUser],
		dim("privileged port ") + cells[listenersColPriv],
		dim("accept/backlog ") + cells[listenersColQueue],
	}, width)...)
	findings := v.findings(s)
	for i := range findings {
		out = append(out, "")
		out = appendFinding(&c.st, out, &findings[i], width, full)
	}
	if len(findings) == 0 {
		out = append(out, "", dim("This listener: nothing found."))
	}
	others := 0
	rows := v.grid.rows
	for i := range rows {
		if o := &rows[i]; o != r && o.sev != analyze.SeverityNone {
			others++
		}
	}
	return appendOthers(out, dim, others, "listener has findings", "listeners have findings")
}

// findings is the audit of listener s, most severe first. Sockets alike
// in every field are audited alike, so the socket is key enough.
func (v *listenersView) findings(s *model.Socket) []analyze.Finding {
	return v.audited[*s]
}

// privileged is the Priv cell of a port, and its sort key: whether binding
// it took root or CAP_NET_BIND_SERVICE, that is, whether it is below
// net.ipv4.ip_unprivileged_port_start; "?" when the setting was not read.
func privileged(c *common, port uint16) (string, int64) {
	switch priv, known := c.labels.Host.Privileged(port); {
	case !known:
		return "?", -1
	case priv:
		return "yes", 1
	}
	return "no", 0
}

// acceptQueue is the Accept/Backlog cell of a listener, and its sort key,
// the queue's fill in thousandths of the backlog (-1 unknown). UDP has no
// accept queue ("-"); /proc reports no backlog ("3/?").
func acceptQueue(s *model.Socket, src model.Source) (string, int64) {
	q, ok := s.AcceptQueue()
	if !ok {
		return "-", -1
	}
	queue := strconv.FormatUint(uint64(q), 10) + "/"
	if src != model.SourceNetlink {
		return queue + "?", -1
	}
	// listen(fd, 0) makes a backlog of 0: one connection is past it.
	return queue + strconv.FormatUint(uint64(s.SendQ), 10), int64(q) * 1000 / int64(max(1, s.SendQ))
}

// scopeRank orders scopes by how much of the network a listener takes
// traffic from: every address of both families first, loopback last.
func scopeRank(b model.BindScope) int64 {
	switch b {
	case model.ScopeDualStack:
		return 0
	case model.ScopeAllIPv6Maybe: // dual-stack unless it set IPV6_V6ONLY
		return 1
	case model.ScopeAllIPv4:
		return 2
	case model.ScopeAllIPv6:
		return 3
	case model.ScopeAddress:
		return 4
	case model.ScopeLoopback:
		return 5
	}
	return 6
}
