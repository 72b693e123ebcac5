package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/conntab/conntab/names"
	"github.com/conntab/conntab/sample"
)

// hostsMsg carries the names a resolution got, off the UI goroutine.
type hostsMsg struct{ hosts names.Hosts }

// resolving is the host names' state (-r): at most one resolution runs at
// a time, in a command; the dashboard shows the names it has and never
// waits for more.
type resolving struct {
	ctx      context.Context
	resolver *names.Resolver // nil: numbers only
	inflight bool
	// hosts is the last resolution's answer; never changed, replaced.
	hosts names.Hosts
}

// ask returns the command that names the addresses of n's sockets, or nil
// when resolution is off or one is under way. The sample is immutable, so
// its sockets are read off the UI goroutine.
func (r *resolving) ask(n *sample.Net) tea.Cmd {
	if r.resolver == nil || r.inflight || n == nil {
		return nil
	}
	r.inflight = true
	ctx, res, socks := r.ctx, r.resolver, n.Snap.Sockets
	return func() tea.Msg { return hostsMsg{res.Resolve(ctx, names.Addrs(socks))} }
}

// answered installs the names of msg into the shown sample's labeler and
// makes the rows again.
func (m *Model) answered(msg hostsMsg) {
	m.resolve.inflight = false
	m.resolve.hosts = msg.hosts
	if m.c.net == nil {
		return
	}
	labels := *m.c.labels
	labels.Hosts = msg.hosts
	m.c.labels = &labels
	m.rebuild()
}
