package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/internal/reporttest"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// renderListing is snap as Listing writes it with o, named by l; nil
// names snap's ports by the built-in service table.
func renderListing(snap *model.Snapshot, o ListingOptions, l *Labeler) []byte {
	if l == nil {
		l = &Labeler{Labeler: names.Labeler{Services: names.DefaultServices(), Host: &snap.Host}}
	}
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	Listing(w, snap, o, l)
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
			reporttest.Golden(t, tt.name, renderListing(reporttest.ListingSnapshot(), tt.o, nil))
		})
	}
}

// TestJSONRoundTrip reads every line of --json back with encoding/json and
// checks it says what the socket holds.
func TestJSONRoundTrip(t *testing.T) {
	snap := reporttest.ListingSnapshot()
	out := renderListing(snap, ListingOptions{Format: ListingJSON}, nil)
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
		if j.SendQ == nil {
			t.Fatalf("line %d: send_q null from netlink", i+1)
		}
		got := model.Socket{
			Proto: s.Proto, Family: s.Family, State: state, Local: local, Remote: remote,
			RecvQ: j.RecvQ, SendQ: *j.SendQ, UID: j.UID, Inode: j.Inode, NetNS: j.NetNS,
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

// ownedSnapshot is reporttest.ListingSnapshot with processes: one listener shared after
// fork, one connection whose process named itself with an escape sequence
// and a byte that is not UTF-8, and a TIME_WAIT remembered from its owner.
func ownedSnapshot() *model.Snapshot {
	snap := reporttest.ListingSnapshot()
	snap.Owners = model.NewOwners([]model.Owner{
		{Inode: 1001, PID: 812, FD: 3, Comm: "sshd"},
		{Inode: 1002, PID: 2001, FD: 6, Comm: "nginx"},
		{Inode: 1002, PID: 2000, FD: 6, Comm: "nginx"},
		{Inode: 1003, PID: 4242, FD: 9, Comm: "\x1b[31mevil\xff"},
	}, 0)
	tw := snap.Sockets[3]
	snap.Former = map[model.TupleKey][]model.Owner{tw.Key(): {{PID: 3100, FD: 11, Comm: "curl", Former: true}}}
	return snap
}

// renderOwned is ownedSnapshot as Listing writes it with o, with the
// users named (one name holds an escape).
func renderOwned(o ListingOptions) []byte {
	snap := ownedSnapshot()
	users := map[uint32]string{0: "root", 33: "www-data", 1000: "al\x1bice"}
	return renderListing(snap, o, &Labeler{Labeler: names.Labeler{Services: names.DefaultServices(), Host: &snap.Host, Snapshot: snap,
		UserName: func(uid uint32) (string, bool) { n, ok := users[uid]; return n, ok }}})
}

func TestProcessesGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    ListingOptions
	}{
		{"list_p.txt", ListingOptions{Columns: ColumnSet{Processes: true}}},
		{"list_p.ndjson", ListingOptions{Format: ListingJSON, Columns: ColumnSet{Processes: true}}},
		{"list_p.csv", ListingOptions{Format: ListingCSV, Columns: ColumnSet{Processes: true}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := renderOwned(tt.o)
			reporttest.Golden(t, tt.name, out)
			// Nothing the processes or users chose reaches the output raw.
			if strings.ContainsAny(string(out), "\x1b\xff") {
				t.Errorf("raw escape or invalid byte in the output:\n%q", out)
			}
		})
	}
}

// The JSON stays valid and says what the process called itself, byte for
// byte, in its escaped form.
func TestProcessesJSON(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(string(renderOwned(ListingOptions{Format: ListingJSON, Columns: ColumnSet{Processes: true}}))), "\n")
	var got []SocketJSON
	for _, line := range lines {
		var j SocketJSON
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		got = append(got, j)
	}
	if p := got[1].Processes; len(p) != 2 || p[0].PID != 2000 || p[1].PID != 2001 {
		t.Errorf("shared listener: processes %+v, want pids 2000 and 2001", p)
	}
	if p := got[2].Processes; len(p) != 1 || p[0].Comm != `\u001b[31mevil\xff` && p[0].Comm != "\x1b[31mevil\\xff" {
		t.Errorf("escaped comm = %+v", p)
	}
	if p := got[3].Processes; len(p) != 1 || !p[0].Former || p[0].Comm != "curl" {
		t.Errorf("TIME_WAIT: processes %+v, want curl remembered as former", p)
	}
	if u := got[2].User; u == nil || *u != "al\x1bice" {
		t.Errorf("user = %v", u)
	}
}

func fmtSscan(s string, v *uint64) (int, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	*v = n
	return 1, err
}
