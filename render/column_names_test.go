package render

import (
	stdcmp "cmp"
	"errors"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/internal/reporttest"
	"github.com/conntab/conntab/model"
)

// Every column of the listing has one name, and every name one column.
func TestColumnNamesCoverColumns(t *testing.T) {
	var headers []string
	for _, c := range Columns(ColumnSet{Extended: true, Timers: true, Processes: true, Classes: true, Flags: true, Namespace: true}) {
		headers = append(headers, c.Name)
	}
	var named []string
	for _, c := range columnNames {
		named = append(named, c.header)
		if (c.put == nil) != (c.words == 0) || (c.text == nil && c.put == nil) {
			t.Errorf("column %s: it sorts by %d words, put %v, text %v", c.name, c.words, c.put != nil, c.text != nil)
		}
	}
	if diff := cmp.Diff(headers, named); diff != "" {
		t.Errorf("(-Columns +columnNames)\n%s", diff)
	}
}

// The names are the JSON fields' (or a field's singular), and the
// dashboard's column titles name the same columns.
func TestColumnNamesAreJSONAndDashboard(t *testing.T) {
	fields := map[string]bool{}
	st := reflect.TypeFor[SocketJSON]()
	for i := range st.NumField() {
		name, _, _ := strings.Cut(st.Field(i).Tag.Get("json"), ",")
		fields[name] = true
	}
	for _, c := range columnNames {
		// Class shows local_class and remote_class in one cell.
		if !fields[c.name] && !slices.ContainsFunc(c.aliases, func(a string) bool { return fields[a] }) && c.name != "class" {
			t.Errorf("column %s: neither it nor an alias (%v) is a JSON field", c.name, c.aliases)
		}
	}
	// The Sockets view's titles (tui/columns.go, sockColumns).
	for title, want := range map[string]string{
		"Proto": "proto", "State": "state", "Recv-Q": "recv_q", "Send-Q": "send_q", "Local": "local",
		"Peer": "remote", "Service": "service", "Class": "class", "Process": "process", "Timer": "timer",
	} {
		if got, err := ParseColumns(title); err != nil || len(got) != 1 || got[0] != want {
			t.Errorf("ParseColumns(%q) = %v, %v; want %s", title, got, err, want)
		}
	}
}

func TestParseColumns(t *testing.T) {
	got, err := ParseColumns("Netid,state,Recv-Q,send_q,peer,processes,user")
	if want := []string{"proto", "state", "recv_q", "send_q", "remote", "process", "user"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	for _, tt := range []struct{ in, quote string }{
		{"state,nope", `unknown column "nope" (the columns are netns, proto, state, recv_q, send_q, local, remote, service, uid, inode, cookie, class, timer, user, process, flags)`},
		{"state,,local", `empty column name in "state,,local"`},
		{"", `empty column name in ""`},
		{"state,", `empty column name in "state,"`},
	} {
		_, err := ParseColumns(tt.in)
		if !errors.Is(err, ErrColumn) || !strings.Contains(err.Error(), tt.quote) {
			t.Errorf("ParseColumns(%q) = %v, want an error saying %s", tt.in, err, tt.quote)
		}
	}
}

func TestParseSort(t *testing.T) {
	got, err := ParseSort("state,remote:desc,Recv-Q:ASC")
	want := []SortKey{{Column: "state"}, {Column: "remote", Desc: true}, {Column: "recv_q"}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	for _, tt := range []struct{ in, quote string }{
		{"state:up", `"state:up": the order is asc or desc`},
		{"nope:desc", `unknown column "nope"`},
		{":desc", `empty column name in ":desc"`},
	} {
		_, err := ParseSort(tt.in)
		if !errors.Is(err, ErrColumn) || !strings.Contains(err.Error(), tt.quote) {
			t.Errorf("ParseSort(%q) = %v, want an error saying %s", tt.in, err, tt.quote)
		}
	}
}

func TestListingNeeds(t *testing.T) {
	for _, tt := range []struct {
		o    ListingOptions
		want ListingNeeds
	}{
		{ListingOptions{}, ListingNeeds{}},
		{ListingOptions{Columns: ColumnSet{Processes: true}}, ListingNeeds{Processes: true, Users: true}},
		{ListingOptions{Names: []string{"state", "user"}}, ListingNeeds{Users: true}},
		{ListingOptions{Sort: []SortKey{{Column: "process"}}}, ListingNeeds{Processes: true}},
		{ListingOptions{Names: []string{"local"}, Sort: []SortKey{{Column: "flags", Desc: true}}}, ListingNeeds{Flags: true}},
	} {
		if got := tt.o.Needs(); got != tt.want {
			t.Errorf("%+v: Needs() = %+v, want %+v", tt.o, got, tt.want)
		}
	}
}

func TestSortedGolden(t *testing.T) {
	sortBy := func(spec string) []SortKey {
		k, err := ParseSort(spec)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	for _, tt := range []struct {
		name string
		o    ListingOptions
	}{
		{"list_sort_state_remote_desc.txt", ListingOptions{Sort: sortBy("state,remote:desc")}},
		{"list_sort_service.ndjson", ListingOptions{Format: ListingJSON, Sort: sortBy("service,local")}},
		{"list_columns.txt", ListingOptions{Names: []string{"state", "local", "remote", "process", "recv_q"}, Sort: sortBy("recv_q:desc")}},
		// A number in the last column is aligned right, by its widest cell.
		{"list_columns_inode.txt", ListingOptions{Names: []string{"proto", "inode"}, Sort: sortBy("inode")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "list_columns_inode.txt" {
				snap := reporttest.ListingSnapshot()
				snap.Sockets[2].Inode = 1234567890
				reporttest.Golden(t, tt.name, renderListing(snap, tt.o, nil))
				return
			}
			o := tt.o
			o.Columns.Processes = tt.name == "list_columns.txt"
			reporttest.Golden(t, tt.name, renderOwned(o))
		})
	}
}

// Whatever order the sockets were read in, a sort writes them in the
// same order: ties go by peer, then local endpoint.
func TestSortIsDeterministic(t *testing.T) {
	snap := reporttest.ListingSnapshot()
	for i := range snap.Sockets { // ties on state, service and proto
		snap.Sockets = append(snap.Sockets, snap.Sockets[i])
		snap.Sockets[len(snap.Sockets)-1].Remote = snap.Sockets[i].Local
	}
	o := ListingOptions{Sort: []SortKey{{Column: "proto"}, {Column: "state", Desc: true}}}
	want := renderListing(snap, o, nil)
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		r.Shuffle(len(snap.Sockets), func(i, j int) { snap.Sockets[i], snap.Sockets[j] = snap.Sockets[j], snap.Sockets[i] })
		if got := renderListing(snap, o, nil); string(got) != string(want) {
			t.Fatalf("shuffled input, other order:\n%s\nwant\n%s", got, want)
		}
	}
}

// The words of endpoints compare as netip.AddrPort.Compare does, and
// sorting by every column agrees with a sort by the columns' values.
func TestSortAgreesWithCompare(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	addrs := []string{"0.0.0.0", "10.0.0.1", "10.0.0.2", "127.0.0.1", "255.255.255.255", "::", "::1", "::ffff:10.0.0.1", "2001:db8::1", "2001:db8::2", "fe80::1", "ffff::ffff"}
	ap := func() netip.AddrPort {
		return netip.AddrPortFrom(netip.MustParseAddr(addrs[r.IntN(len(addrs))]), uint16(r.IntN(3)*32767))
	}
	for range 2000 {
		a, b := ap(), ap()
		var x, y [endpointWords]uint64
		putEndpoint(x[:], a)
		putEndpoint(y[:], b)
		if got, want := slices.Compare(x[:], y[:]), a.Compare(b); got != want {
			t.Fatalf("%s vs %s: words compare %d, AddrPort %d", a, b, got, want)
		}
	}
	socks := make([]model.Socket, 500)
	for i := range socks {
		socks[i] = model.Socket{Local: ap(), Remote: ap(), State: model.AllStates[r.IntN(len(model.AllStates))],
			RecvQ: uint32(r.IntN(3)), Timer: model.Timer{Kind: model.TimerKind(r.IntN(3)), Expires: time.Duration(r.IntN(5)-2) * time.Second}}
	}
	sortSockets(socks, []SortKey{{Column: "timer", Desc: true}, {Column: "recv_q"}, {Column: "local", Desc: true}}, &Labeler{})
	if !slices.IsSortedFunc(socks, func(a, b model.Socket) int {
		return stdcmp.Or(-stdcmp.Compare(a.Timer.Kind, b.Timer.Kind), -stdcmp.Compare(a.Timer.Expires, b.Timer.Expires),
			stdcmp.Compare(a.RecvQ, b.RecvQ), -a.Local.Compare(b.Local), a.Remote.Compare(b.Remote))
	}) {
		t.Error("not in the order of timer:desc,recv_q,local:desc, then peer")
	}
}
