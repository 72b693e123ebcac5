package analyze

import (
	"net/netip"
	"testing"

	"github.com/conntab/conntab/internal/modeltest"
	"github.com/conntab/conntab/model"
)

// TestBusiestByUtilisation: issue 15's header named the pool with the
// most ports in use, 123 TIME_WAIT sockets tcp_tw_reuse lets connect()
// take over (0% used), over one with 18 open connections (9%).
func TestBusiestByUtilisation(t *testing.T) {
	h := modeltest.PortsHost()
	h.Settings.TCPTwReuse = 2 // loopback
	snap := &model.Snapshot{Host: h, Sockets: append(
		modeltest.PoolSockets(h, 123, model.StateTimeWait, "127.0.0.1", "127.0.0.1:5432", 0),
		modeltest.PoolSockets(h, 18, model.StateEstablished, "127.0.0.1", "127.0.0.1:6379", 0)...)}
	ix := Destinations(snap, nil, 0, DefaultThresholds())
	p := ix.BusiestPool()
	if p == nil || p.Remote != netip.MustParseAddrPort("127.0.0.1:6379") || p.Blocking() != 18 {
		t.Fatalf("busiest pool %+v, want 127.0.0.1:6379 with 18 blocking", p)
	}

	// Equal utilisation: the lower address, whatever the order.
	for _, order := range [][]string{{"10.0.0.9:80", "10.0.0.8:80"}, {"10.0.0.8:80", "10.0.0.9:80"}} {
		snap := &model.Snapshot{Host: h, Sockets: append(
			modeltest.PoolSockets(h, 5, model.StateEstablished, "10.0.0.2", order[0], 0),
			modeltest.PoolSockets(h, 5, model.StateEstablished, "10.0.0.2", order[1], 0)...)}
		if p := Destinations(snap, nil, 0, DefaultThresholds()).BusiestPool(); p.Remote != netip.MustParseAddrPort("10.0.0.8:80") {
			t.Errorf("order %v: busiest %v, want 10.0.0.8:80", order, p.Remote)
		}
	}
}
