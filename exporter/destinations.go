package exporter

import (
	"cmp"
	"slices"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/sample"
)

// destinationsCollector reports the TCP sockets in TIME_WAIT to each
// remote endpoint, for the endpoints with most, at most top.
type destinationsCollector struct {
	top      int
	timeWait *desc
}

func newDestinationsCollector(top int) destinationsCollector {
	return destinationsCollector{
		top: top,
		timeWait: newDesc("conntab_destination_time_wait_sockets",
			"TCP sockets in TIME_WAIT to a remote endpoint, the endpoints with most at most --top.", gauge, "remote"),
	}
}

// update sends the destinations with TIME_WAIT sockets, most first; the
// others have no series.
func (c destinationsCollector) update(n *sample.Net, out *sink) {
	ix := n.Dests
	var dests []*analyze.Destination
	for i := range ix.Dests {
		if d := &ix.Dests[i]; d.Proto == model.ProtoTCP && d.States.Of(model.StateTimeWait) > 0 {
			dests = append(dests, d)
		}
	}
	slices.SortFunc(dests, func(a, b *analyze.Destination) int {
		if c := cmp.Compare(b.States.Of(model.StateTimeWait), a.States.Of(model.StateTimeWait)); c != 0 {
			return c
		}
		return a.Remote.Compare(b.Remote)
	})
	for _, d := range dests[:min(len(dests), c.top)] {
		out.add(c.timeWait, float64(d.States.Of(model.StateTimeWait)), d.Remote.String())
	}
}
