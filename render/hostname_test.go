package render

import (
	"net/netip"
	"testing"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// TestHostNameCells: with Hosts, Local and Peer write name:port as ss -r
// does (name:* for a peer's port 0), escaped; an address without a name
// keeps its number.
func TestHostNameCells(t *testing.T) {
	l := &Labeler{Hosts: names.Hosts{
		netip.MustParseAddr("127.0.0.1"): "localhost",
		netip.MustParseAddr("10.0.0.9"):  "db\x1b[2J",
	}}
	cols := Columns(ColumnSet{})
	local, peer := cols[4], cols[5]
	for _, tc := range []struct {
		local, remote     string
		wantLoc, wantPeer string
	}{
		{"127.0.0.1:5432", "127.0.0.1:41000", "localhost:5432", "localhost:41000"},
		{"10.0.0.5:41000", "10.0.0.9:5432", "10.0.0.5:41000", `db\x1b[2J:5432`},
		{"127.0.0.1:53", "10.0.0.9:0", "localhost:53", `db\x1b[2J:*`},
	} {
		s := &model.Socket{Proto: model.ProtoTCP, Local: netip.MustParseAddrPort(tc.local), Remote: netip.MustParseAddrPort(tc.remote)}
		if got := string(local.Append(nil, s, l)); got != tc.wantLoc {
			t.Errorf("Local %s: %q, want %q", tc.local, got, tc.wantLoc)
		}
		if got := string(peer.Append(nil, s, l)); got != tc.wantPeer {
			t.Errorf("Peer %s: %q, want %q", tc.remote, got, tc.wantPeer)
		}
	}
}
