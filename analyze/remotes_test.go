package analyze

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/internal/modeltest"
	"github.com/conntab/conntab/model"
)

func TestGroupRemotes(t *testing.T) {
	tcp, udp := model.ProtoTCP, model.ProtoUDP
	est, cw := model.StateEstablished, model.StateCloseWait
	snap := &model.Snapshot{Host: range1000, Sockets: []model.Socket{
		modeltest.Sock(tcp, model.StateListen, "0.0.0.0:5432", "0.0.0.0:0"),
		modeltest.Sock(udp, model.StateUnconn, "0.0.0.0:53", "0.0.0.0:0"),
		// Clients of the database: one row, whatever their ports.
		modeltest.Sock(tcp, est, "10.0.0.2:5432", "10.0.0.7:50000"),
		modeltest.Sock(tcp, est, "10.0.0.2:5432", "10.0.0.7:50002"),
		modeltest.Sock(tcp, model.StateTimeWait, "10.0.0.2:5432", "10.0.0.7:50004"),
		modeltest.Sock(tcp, est, "10.0.0.2:5432", "10.0.0.8:50000"),
		// No listener, but a client's port (in the range) to a fixed one.
		modeltest.Sock(tcp, est, "10.0.0.2:22", "10.0.0.7:40500"),
		// A client of the UDP service.
		modeltest.Sock(udp, est, "10.0.0.2:53", "10.0.0.7:40999"),
		// Outbound: from the range to a service; from a fixed port to one.
		modeltest.Sock(tcp, est, "10.0.0.2:40002", "10.0.0.9:5432"),
		modeltest.Sock(tcp, est, "10.0.0.2:40004", "10.0.0.9:5432"),
		modeltest.Sock(tcp, est, "10.0.0.2:1000", "10.0.0.9:443"),
	}}
	// Ten CLOSE_WAIT sockets of one client endpoint: flagged, and the flag
	// goes with its inbound row.
	for range 10 {
		snap.Sockets = append(snap.Sockets, modeltest.Sock(tcp, cw, "10.0.0.2:5432", "10.0.0.6:50000"))
	}
	host := Destinations(snap, nil, 0, DefaultThresholds())
	groups := GroupRemotes(snap, NewInbound(snap), host)

	type row struct {
		Proto   model.Proto
		Remote  string
		Inbound bool
		Local   uint16
		Total   int
		Flags   int
		Dest    bool
	}
	var got []row
	for _, g := range groups {
		got = append(got, row{g.Proto, g.Remote.String(), g.Inbound, g.LocalPort, g.Total, len(g.Flags), g.Dest != nil})
	}
	want := []row{
		{tcp, "10.0.0.7:0", true, 5432, 3, 0, false},
		{tcp, "10.0.0.8:0", true, 5432, 1, 0, false},
		{tcp, "10.0.0.7:0", true, 22, 1, 0, false},
		{udp, "10.0.0.7:0", true, 53, 1, 0, false},
		{tcp, "10.0.0.9:5432", false, 0, 2, 0, true},
		{tcp, "10.0.0.9:443", false, 0, 1, 0, true},
		{tcp, "10.0.0.6:0", true, 5432, 10, 1, false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	if g := groups[6]; g.Severity() != SeverityWarn || g.Flags[0].Kind != FlagCloseWait {
		t.Errorf("inbound CLOSE_WAIT group: severity %v, flags %+v; want the endpoint's CW warning", g.Severity(), g.Flags)
	}

	// A filtered snapshot without the listener: its clients stay inbound,
	// by the whole snapshot's listeners.
	part := &model.Snapshot{Host: range1000, Sockets: snap.Sockets[2:4]}
	if g := GroupRemotes(part, NewInbound(snap), host); len(g) != 1 || !g[0].Inbound || g[0].Remote != netip.MustParseAddrPort("10.0.0.7:0") {
		t.Errorf("filtered: %+v, want one inbound group from 10.0.0.7", g)
	}
}
