//go:build linux && (amd64 || arm64)

package bpfevents

import (
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"
)

// Port search test: a pool of poolPorts, filled to poolHeld before each
// measured connect.
const (
	poolPorts   = 1000
	poolHeld    = 990 // 99%
	searchTries = 200
)

// TestPortSearchSlowsWhenFull: connect()'s port search on a pool filled
// past 90% takes longer than on an empty one, in the same test and the
// same histograms conntab reads.
func TestPortSearchSlowsWhenFull(t *testing.T) {
	if testing.Short() {
		t.Skip("holds 990 connections")
	}
	ns := requireNS(t)
	if err := ns.Sysctl("net.ipv4.ip_local_port_range", "40000 40999"); err != nil {
		t.Fatal(err)
	}
	listen(t, ns, portA)
	listen(t, ns, portB)
	tr := openTracer(t, ns, Options{})
	if len(tr.Missing()) > 0 {
		t.Skipf("cannot time successful port searches: %v", tr.Missing())
	}
	var empty, full Histogram
	err := ns.Do(func() error {
		var err error
		if empty, err = searches(tr, portA); err != nil {
			return err
		}
		var held []int
		defer func() {
			for _, fd := range held {
				unix.Close(fd)
			}
		}()
		for range poolHeld {
			fd, err := dial(portB)
			if err != nil {
				return err
			}
			held = append(held, fd)
		}
		full, err = searches(tr, portB)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	drain(t, tr)
	t.Logf("empty pool: %d searches, median bucket %v, mean %v", empty.Count, empty.Quantile(0.5), empty.Mean())
	t.Logf("pool %d/%d full: %d searches, median bucket %v, mean %v", poolHeld, poolPorts, full.Count, full.Quantile(0.5), full.Mean())
	if empty.Count != searchTries || full.Count != searchTries {
		t.Fatalf("timed %d and %d searches, want %d each", empty.Count, full.Count, searchTries)
	}
	if full.Quantile(0.5) <= empty.Quantile(0.5) {
		t.Errorf("median port search: %v on a full pool, %v on an empty one; want slower when full",
			full.Quantile(0.5), empty.Quantile(0.5))
	}
}

// searches makes searchTries connections to 127.0.0.1:port, each reset
// before the next, and returns the histogram of their port searches.
func searches(tr *Tracer, port int) (Histogram, error) {
	dest := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	before, err := histogramOf(tr, dest)
	if err != nil {
		return Histogram{}, err
	}
	for range searchTries {
		fd, err := dial(port)
		if err != nil {
			return Histogram{}, err
		}
		if err := reset(fd); err != nil {
			return Histogram{}, err
		}
	}
	after, err := histogramOf(tr, dest)
	return after.Sub(before), err
}

func histogramOf(tr *Tracer, dest netip.AddrPort) (Histogram, error) {
	hs, err := tr.Histograms()
	for _, h := range hs {
		if h.Dest == dest {
			return h, err
		}
	}
	return Histogram{}, err
}
