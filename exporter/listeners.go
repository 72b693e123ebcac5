package exporter

import (
	"cmp"
	"slices"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/sample"
)

// listenersCollector reports the accept queue and backlog of the TCP
// listeners fullest against their backlog, at most top.
type listenersCollector struct {
	top            int
	queue, backlog *desc
}

func newListenersCollector(top int) listenersCollector {
	return listenersCollector{
		top: top,
		queue: newDesc("conntab_listener_accept_queue",
			"Connections waiting for accept() on a TCP listener; the listeners fullest against their backlog, at most --top.", gauge, "local"),
		backlog: newDesc("conntab_listener_backlog",
			"The accept queue's limit of a TCP listener (listen()'s backlog capped by net.core.somaxconn).", gauge, "local"),
	}
}

// update sends both metrics of each listener it keeps. From /proc the
// backlog is not known, and neither is sent.
func (c listenersCollector) update(n *sample.Net, out *sink) {
	snap := n.Snap
	if snap.Source != model.SourceNetlink {
		return
	}
	var ls []*model.Socket
	for i := range snap.Sockets {
		if s := &snap.Sockets[i]; s.Proto == model.ProtoTCP && s.State == model.StateListen {
			ls = append(ls, s)
		}
	}
	slices.SortFunc(ls, func(a, b *model.Socket) int {
		if c := cmp.Compare(fill(b), fill(a)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Local.Port(), b.Local.Port()); c != 0 {
			return c
		}
		return a.Local.Addr().Compare(b.Local.Addr())
	})
	for _, s := range ls[:min(len(ls), c.top)] {
		local := s.Local.String()
		out.add(c.queue, float64(s.RecvQ), local)
		out.add(c.backlog, float64(s.SendQ), local)
	}
}

// fill is how full a listener's accept queue is against its backlog
// (SendQ); with no backlog, the queue's length.
func fill(s *model.Socket) float64 {
	if s.SendQ == 0 {
		return float64(s.RecvQ)
	}
	return float64(s.RecvQ) / float64(s.SendQ)
}
