package render

import (
	"encoding/csv"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// TestCSVFormulaNames: processes and users named like formulas are written
// so that a spreadsheet shows them as text (a single quote before them,
// quoted), format characters are escaped, and conntab's own numbers, a
// negative one too, are left as they are.
func TestCSVFormulaNames(t *testing.T) {
	for _, tt := range []struct{ comm, user, wantProcs, wantUser string }{
		{"=1+1", "root", "'=1+1/7/3", "root"},
		{"@SUM(A1)", "-bob", "'@SUM(A1)/7/3", "'-bob"},
		{"-2+3", "+alice", "'-2+3/7/3", "'+alice"},
		{"+1", "@admins", "'+1/7/3", "'@admins"},
		{"a\u202etxt.exe", "root", `a\u202etxt.exe/7/3`, "root"},
		{"\u2066=1+1", "\u200broot", `\u2066=1+1/7/3`, `\u200broot`},
		{"nginx", "root", "nginx/7/3", "root"},
	} {
		t.Run(tt.comm, func(t *testing.T) {
			s := model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateEstablished,
				Local: netip.MustParseAddrPort("127.0.0.1:40000"), Remote: netip.MustParseAddrPort("127.0.0.1:5432"),
				Inode: 42, UID: 1000, Timer: model.Timer{Kind: model.TimerOn, Expires: -5 * time.Millisecond}}
			snap := &model.Snapshot{Sockets: []model.Socket{s},
				Owners: model.NewOwners([]model.Owner{{Inode: 42, PID: 7, FD: 3, Comm: tt.comm}}, 0)}
			l := &Labeler{Labeler: names.Labeler{Snapshot: snap,
				UserName: func(uint32) (string, bool) { return tt.user, true }}}
			line := string(AppendCSV(nil, &s, l))
			for _, r := range []rune{'\u202e', '\u2066', '\u200b'} {
				if strings.ContainsRune(line, r) {
					t.Errorf("%U raw in %q", r, line)
				}
			}
			rows, err := csv.NewReader(strings.NewReader(CSVHeader + CSVProcessHeader + "\n" + line + "\n")).ReadAll()
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			got := map[string]string{}
			for i, name := range rows[0] {
				got[name] = rows[1][i]
			}
			want := map[string]string{"processes": tt.wantProcs, "user": tt.wantUser, "timer_expires_ms": "-5", "uid": "1000", "local_port": "40000"}
			for k := range got {
				if _, ok := want[k]; !ok {
					delete(got, k)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%q (-want +got):\n%s", line, diff)
			}
		})
	}
}
