package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/internal/reporttest"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// golden checks got against testdata/golden/name (go test -update
// rewrites it).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	reporttest.Golden(t, filepath.Join("testdata", "golden", name), got)
}

// renderListing is snap as Listing writes it with o, named as the
// command line names a host's sockets without /etc/services.
func renderListing(snap *model.Snapshot, o ListingOptions) []byte {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	Listing(w, snap, o, &Labeler{Labeler: names.Labeler{Services: names.DefaultServices(), Host: &snap.Host}})
	w.Flush()
	return b.Bytes()
}

func TestListGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    ListingOptions
	}{
		{"list.txt", ListingOptions{}},
		{"list_eo.txt", ListingOptions{Columns: ColumnSet{Extended: true, Timers: true}}},
		{"list_noheader.txt", ListingOptions{NoHeader: true}},
		{"list.ndjson", ListingOptions{Format: ListingJSON}},
		{"list.csv", ListingOptions{Format: ListingCSV}},
		{"summary.txt", ListingOptions{Format: ListingSummary}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, tt.name, renderListing(reporttest.ListingSnapshot(), tt.o))
		})
	}
}

// TestJSONRoundTrip reads every line of --json back with encoding/json and
// checks it says what the socket holds.
func TestJSONRoundTrip(t *testing.T) {
	snap := reporttest.ListingSnapshot()
	out := renderListing(snap, ListingOptions{Format: ListingJSON})
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(snap.Sockets) {
		t.Fatalf("%d lines for %d sockets", len(lines), len(snap.Sockets))
	}
	for i, line := range lines {
		var j SocketJSON
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&j); err != nil {
			t.Fatalf("line %d %q: %v", i+1, line, err)
		}
		s := &snap.Sockets[i]
		local := netip.AddrPortFrom(netip.MustParseAddr(j.Local.Addr), j.Local.Port)
		remote := netip.AddrPortFrom(netip.MustParseAddr(j.Remote.Addr), j.Remote.Port)
		state, err := model.ParseState(j.State)
		if err != nil {
			t.Fatal(err)
		}
		got := model.Socket{
			Proto: s.Proto, Family: s.Family, State: state, Local: local, Remote: remote,
			RecvQ: j.RecvQ, SendQ: j.SendQ, UID: j.UID, Inode: j.Inode, NetNS: j.NetNS,
			Timer: model.Timer{Expires: time.Duration(j.Timer.ExpiresMS) * time.Millisecond, Retrans: j.Timer.Retrans, Kind: s.Timer.Kind},
		}
		if _, err := fmtSscan(j.Cookie, &got.Cookie); err != nil {
			t.Fatal(err)
		}
		if j.Proto != s.Proto.String() || j.Family != s.Family.String() || j.Timer.Kind != s.Timer.Kind.String() {
			t.Errorf("line %d: proto/family/timer %q %q %q", i+1, j.Proto, j.Family, j.Timer.Kind)
		}
		if diff := cmp.Diff(*s, got, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
			t.Errorf("line %d (-want +got)\n%s", i+1, diff)
		}
		if (j.AcceptQ != nil) != (s.State == model.StateListen) {
			t.Errorf("line %d: accept_q present = %v on %s", i+1, j.AcceptQ != nil, s.State)
		}
	}
}

func fmtSscan(s string, v *uint64) (int, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	*v = n
	return 1, err
}
