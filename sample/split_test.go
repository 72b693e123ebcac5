package sample_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/internal/modeltest"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/sample"
)

// both is one reading of two namespaces (-N all), started at taken: ns1
// on modeltest.PortsHost (200 ports) with 10 connections to the database,
// ns2, named web, on a 20-port range with all 20 held to it.
func both(taken time.Time) *model.Snapshot {
	small := modeltest.PortsHost()
	small.Ephemeral = model.PortRange{Lo: 50000, Hi: 50019}
	socks := dbPool(10, model.StateEstablished, 0)
	for _, s := range modeltest.PoolSockets(small, 20, model.StateEstablished, "10.0.0.5", "10.0.0.9:5432", 0) {
		s.NetNS = ns2
		socks = append(socks, s)
	}
	for i := range socks[:10] {
		socks[i].NetNS = ns1
	}
	snap := snapshot(ns1, taken, socks...)
	snap.Namespaces = []model.Namespace{
		{Inode: ns1, Own: true, Host: modeltest.PortsHost()},
		{Inode: ns2, Name: "web", Host: small},
	}
	return snap
}

// TestPerNamespace: with PerNamespace a reading of two namespaces is two
// Nets, each judged on its own range (the small one's pool is full, the
// other's is not) and carried on from its own previous Net; without it,
// one Net as the listing shows it.
func TestPerNamespace(t *testing.T) {
	type net struct {
		NetNS     uint32
		Name      string
		Sockets   int
		Ephemeral model.PortRange
		Usable    int
		Severity  analyze.Severity
		DT        time.Duration
	}
	look := func(s *sample.Sample) []net {
		var out []net
		for _, n := range s.Nets {
			g := net{NetNS: n.Snap.NetNS, Sockets: len(n.Snap.Sockets), Ephemeral: n.Ports.Ephemeral,
				Usable: n.Ports.Usable, Severity: n.Ports.Severity(), DT: n.DT}
			if ns := n.Namespace(); ns != nil {
				g.Name = ns.Name
			}
			out = append(out, g)
		}
		return out
	}
	got := chain(t, sample.Config{Ports: true, PerNamespace: true}, both(t0), both(t0.Add(2*time.Second)))
	want := []net{
		{NetNS: ns1, Sockets: 10, Ephemeral: model.PortRange{Lo: 40000, Hi: 40199}, Usable: 200},
		{NetNS: ns2, Name: "web", Sockets: 20, Ephemeral: model.PortRange{Lo: 50000, Hi: 50019}, Usable: 20, Severity: analyze.SeverityCritical},
	}
	if diff := cmp.Diff(want, look(got[0])); diff != "" {
		t.Errorf("first sample (-want +got):\n%s", diff)
	}
	want[0].DT, want[1].DT = 2*time.Second, 2*time.Second
	if diff := cmp.Diff(want, look(got[1])); diff != "" {
		t.Errorf("second sample (-want +got):\n%s", diff)
	}

	one := chain(t, sample.Config{Ports: true}, both(t0))[0]
	if len(one.Nets) != 1 || len(one.Net().Snap.Sockets) != 30 || one.Net().Namespace() == nil {
		t.Errorf("without PerNamespace: %d Nets, want 1 of all 30 sockets", len(one.Nets))
	}
}
