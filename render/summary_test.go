package render

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/internal/reporttest"
	"github.com/conntab/conntab/model"
)

func TestSummaryGolden(t *testing.T) {
	narrowed := Selection{Protos: []model.Proto{model.ProtoUDP}, States: model.ListeningStateSet, Filter: "sport = :53"}
	for _, tt := range []struct {
		name string
		o    ListingOptions
	}{
		{"summary.json", ListingOptions{Format: ListingSummaryJSON}},
		{"summary_narrowed.txt", ListingOptions{Format: ListingSummary, Selection: narrowed}},
		{"summary_narrowed.json", ListingOptions{Format: ListingSummaryJSON, Selection: narrowed}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			snap := reporttest.ListingSnapshot()
			snap.Taken = reporttest.Taken
			if tt.o.Selection.Filter != "" { // what the narrowed selection leaves
				snap.Sockets = slices.DeleteFunc(snap.Sockets, func(s model.Socket) bool {
					return s.Proto != model.ProtoUDP || s.State != model.StateUnconn || s.Local.Port() != 53
				})
			}
			reporttest.Golden(t, tt.name, renderListing(snap, tt.o, nil))
		})
	}
}

// The summary's JSON reads back into SummaryJSON, every field known, and
// its counts add up to the sockets.
func TestSummaryJSONRoundTrip(t *testing.T) {
	snap := reporttest.ListingSnapshot()
	out := renderListing(snap, ListingOptions{Format: ListingSummaryJSON}, nil)
	var j SummaryJSON
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if diff := cmp.Diff(NewSummaryJSON(snap, &Selection{}), &j); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	sum := 0
	for _, st := range j.States {
		sum += st.Total
	}
	if sum != len(snap.Sockets) || j.Total.Total != len(snap.Sockets) || j.Sockets != len(snap.Sockets) {
		t.Errorf("states add up to %d, total %d, sockets %d; want %d", sum, j.Total.Total, j.Sockets, len(snap.Sockets))
	}
}

// The summary's ss figures count what the kernel counts for ss -s: no
// time-wait minisocket (a FIN_WAIT2 one included, told by its timer),
// request or bound-only socket in the Transport table's TCP; ESTABLISHED
// and CLOSE_WAIT as estab.
func TestSummaryCountsAsSS(t *testing.T) {
	sock := func(p model.Proto, f model.Family, st model.State, timer model.TimerKind) model.Socket {
		return model.Socket{Proto: p, Family: f, State: st, Timer: model.Timer{Kind: timer},
			Local: netip.MustParseAddrPort("127.0.0.1:1"), Remote: netip.MustParseAddrPort("127.0.0.1:2")}
	}
	tcp, udp, v4, v6 := model.ProtoTCP, model.ProtoUDP, model.FamilyInet, model.FamilyInet6
	socks := []model.Socket{
		sock(tcp, v4, model.StateListen, model.TimerNone),
		sock(tcp, v6, model.StateListen, model.TimerNone),
		sock(tcp, v4, model.StateEstablished, model.TimerKeepalive),
		sock(tcp, v6, model.StateCloseWait, model.TimerNone),
		sock(tcp, v4, model.StateFinWait2, model.TimerKeepalive), // a full socket: shut down, not closed
		sock(tcp, v4, model.StateFinWait2, model.TimerTimewait),  // a minisocket: closed
		sock(tcp, v4, model.StateTimeWait, model.TimerTimewait),
		sock(tcp, v6, model.StateTimeWait, model.TimerTimewait),
		sock(tcp, v4, model.StateNewSynRecv, model.TimerOn),
		sock(tcp, v4, model.StateBoundInactive, model.TimerNone),
		sock(tcp, v4, model.StateSynSent, model.TimerOn),
		sock(udp, v4, model.StateUnconn, model.TimerNone),
		sock(udp, v4, model.StateEstablished, model.TimerNone),
		sock(udp, v6, model.StateUnconn, model.TimerNone),
	}
	got := NewSummaryJSON(&model.Snapshot{Sockets: socks}, &Selection{}).SS
	want := SSJSON{
		Estab: 2, TimeWait: 3,
		TCP:        TransportJSON{Total: 6, IP: 4, IPv6: 2},
		UDP:        TransportJSON{Total: 3, IP: 2, IPv6: 1},
		TCPLeftOut: LeftOutJSON{TimeWait: 3, Requests: 1, Bound: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}
