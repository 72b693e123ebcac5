package exporter

import (
	"cmp"
	"slices"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/sample"
)

// poolsCollector reports the connect() pools: how many there are, the
// highest utilisation over all of them, and the fullest, at most top.
type poolsCollector struct {
	top                 int
	inUse, usable, util *desc
	maxUtil, pools      *desc
}

func newPoolsCollector(top int) poolsCollector {
	pool := []string{"local", "remote"}
	return poolsCollector{
		top: top,
		inUse: newDesc("conntab_pool_in_use_ports",
			"Ephemeral ports held in a connect() pool (local address to remote address and port), the fullest pools at most --top.", gauge, pool...),
		usable: newDesc("conntab_pool_usable_ports",
			"Ports connect() may pick in the pool (U): the ephemeral range less reserved ports and ports a bind() holds.", gauge, pool...),
		util: newDesc("conntab_pool_utilisation_ratio",
			"The share of the pool's usable ports connect() can no longer pick (TIME_WAIT that tcp_tw_reuse may take over does not count).", gauge, pool...),
		maxUtil: newDesc("conntab_pool_utilisation_max_ratio",
			"The highest pool utilisation in the namespace, over every pool: one series for alerts.", gauge),
		pools: newDesc("conntab_pools",
			"connect() pools in the namespace (those with a socket on a port of the ephemeral range).", gauge),
	}
}

// update counts the pools that hold a port and sends the fullest of them.
func (c poolsCollector) update(n *sample.Net, out *sink) {
	ix := n.Dests
	var pools []*analyze.PortPool
	maxUtil := 0.0
	for i := range ix.Pools {
		p := &ix.Pools[i]
		if p.InUse == 0 {
			continue
		}
		pools = append(pools, p)
		maxUtil = max(maxUtil, p.Utilisation())
	}
	out.add(c.pools, float64(len(pools)))
	out.add(c.maxUtil, maxUtil)
	slices.SortFunc(pools, func(a, b *analyze.PortPool) int {
		if c := cmp.Compare(b.Utilisation(), a.Utilisation()); c != 0 {
			return c
		}
		if c := cmp.Compare(b.InUse, a.InUse); c != 0 {
			return c
		}
		if c := a.Local.Compare(b.Local); c != 0 {
			return c
		}
		return a.Remote.Compare(b.Remote)
	})
	for _, p := range pools[:min(len(pools), c.top)] {
		local, remote := p.Local.String(), p.Remote.String()
		out.add(c.inUse, float64(p.InUse), local, remote)
		out.add(c.usable, float64(p.Usable), local, remote)
		out.add(c.util, p.Utilisation(), local, remote)
	}
}
