package render

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/conntab/conntab/internal/reporttest"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// procListingSnapshot is reporttest.ListingSnapshot as the /proc source
// reads it: no cookies, and a listener's Send-Q (its backlog, which /proc
// does not print) 0.
func procListingSnapshot() *model.Snapshot {
	snap := reporttest.ListingSnapshot()
	snap.Source = model.SourceProc
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		s.Cookie = 0
		if s.State == model.StateListen {
			s.SendQ = 0
		}
	}
	return snap
}

// renderSnap renders snap with a Labeler that knows it, as conntab list
// does.
func renderSnap(snap *model.Snapshot, o ListingOptions) []byte {
	return renderListing(snap, o, &Labeler{Labeler: names.Labeler{Services: names.DefaultServices(), Host: &snap.Host, Snapshot: snap}})
}

// TestListingUnknownBacklog: list -tl --source proc showed Send-Q 0 for
// listeners, whose backlog /proc does not print. Unknown reads as unknown:
// "?" in the table, null in JSON, an empty cell in CSV; from netlink, and
// on every other socket, the figure.
func TestListingUnknownBacklog(t *testing.T) {
	for _, src := range []model.Source{model.SourceProc, model.SourceNetlink} {
		snap := procListingSnapshot()
		if src == model.SourceNetlink {
			snap = reporttest.ListingSnapshot()
		}
		unknown := src == model.SourceProc
		t.Run(src.String()+"/text", func(t *testing.T) {
			lines := strings.Split(strings.TrimSuffix(string(renderSnap(snap, ListingOptions{})), "\n"), "\n")
			for i, s := range snap.Sockets {
				f := strings.Fields(lines[i+1]) // Netid State Recv-Q Send-Q ...
				want := strconv.FormatUint(uint64(s.SendQ), 10)
				if unknown && s.State == model.StateListen {
					want = "?"
				}
				if f[3] != want {
					t.Errorf("%s %s: Send-Q %q, want %q\n%s", s.State, s.Local, f[3], want, lines[i+1])
				}
			}
		})
		t.Run(src.String()+"/json", func(t *testing.T) {
			lines := strings.Split(strings.TrimSuffix(string(renderSnap(snap, ListingOptions{Format: ListingJSON})), "\n"), "\n")
			for i, s := range snap.Sockets {
				var raw map[string]any
				if err := json.Unmarshal([]byte(lines[i]), &raw); err != nil {
					t.Fatal(err)
				}
				num := func(f string, want uint32) {
					if v, ok := raw[f].(float64); !ok || v != float64(want) {
						t.Errorf("%s %s: %s %v, want %d\n%s", s.State, s.Local, f, raw[f], want, lines[i])
					}
				}
				null := func(f string) {
					if v, ok := raw[f]; !ok || v != nil {
						t.Errorf("%s %s: %s %v, want null\n%s", s.State, s.Local, f, raw[f], lines[i])
					}
				}
				num("recv_q", s.RecvQ)
				switch listen := s.State == model.StateListen; {
				case listen && unknown:
					null("send_q")
					null("backlog")
					num("accept_q", s.RecvQ) // the accept queue is known
				case listen:
					num("send_q", s.SendQ)
					num("backlog", s.SendQ)
					num("accept_q", s.RecvQ)
				default:
					num("send_q", s.SendQ)
				}
			}
		})
		t.Run(src.String()+"/csv", func(t *testing.T) {
			lines := strings.Split(strings.TrimSuffix(string(renderSnap(snap, ListingOptions{Format: ListingCSV})), "\n"), "\n")
			for i, s := range snap.Sockets {
				f := strings.Split(lines[i+1], ",") // proto,family,state,recv_q,send_q,...
				want := strconv.FormatUint(uint64(s.SendQ), 10)
				if unknown && s.State == model.StateListen {
					want = ""
				}
				if f[4] != want {
					t.Errorf("%s %s: send_q %q, want %q\n%s", s.State, s.Local, f[4], want, lines[i+1])
				}
			}
		})
	}
}
