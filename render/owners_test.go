package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/conntab/conntab/internal/reporttest"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

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

func renderOwned(o ListingOptions) []byte {
	snap := ownedSnapshot()
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	users := map[uint32]string{0: "root", 33: "www-data", 1000: "al\x1bice"}
	Listing(w, snap, o, &Labeler{Labeler: names.Labeler{Services: names.DefaultServices(), Host: &snap.Host, Snapshot: snap,
		UserName: func(uid uint32) (string, bool) { n, ok := users[uid]; return n, ok }}})
	w.Flush()
	return b.Bytes()
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
			golden(t, tt.name, out)
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
