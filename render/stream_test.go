package render

import (
	"bufio"
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/internal/reporttest"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// streamListing is snap's sockets written by a ListingStream in batches
// of batch.
func streamListing(snap *model.Snapshot, o ListingOptions, batch int) []byte {
	l := &Labeler{Labeler: names.Labeler{Services: names.DefaultServices(), Host: &snap.Host}}
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	s := NewListingStream(w, o, l)
	for socks := snap.Sockets; len(socks) > 0; {
		n := min(batch, len(socks))
		if err := s.Write(socks[:n]); err != nil {
			panic(err)
		}
		socks = socks[n:]
	}
	if err := s.Close(); err != nil {
		panic(err)
	}
	w.Flush()
	return b.Bytes()
}

// TestListingStreamSame: a streamed listing is the listing, whatever the
// batches, in every format that streams; and Streams says which do.
func TestListingStreamSame(t *testing.T) {
	for _, o := range []ListingOptions{
		{}, {NoHeader: true}, {Columns: ColumnSet{Extended: true, Timers: true}}, {Names: []string{"recv-q", "local", "state"}},
		{Format: ListingJSON}, {Format: ListingCSV}, {Format: ListingCSV, NoHeader: true},
	} {
		if !Streams(&o) {
			t.Errorf("%+v does not stream", o)
		}
		big := benchSnapshot()
		big.Sockets = big.Sockets[:20_000] // wider ports come after the look-ahead
		for _, snap := range []*model.Snapshot{reporttest.ListingSnapshot(), {}, big} {
			want := renderListing(snap, o, nil)
			for _, batch := range []int{1, 7, lookAhead, 1 << 20} {
				got, want := streamListing(snap, o, batch), want
				if o.Format == ListingTable && len(snap.Sockets) > lookAhead {
					// Widths come from the look-ahead: the same cells.
					got, want = fields(got), fields(want)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%+v, %d sockets in batches of %d: differs from Listing\n%s", o, len(snap.Sockets), batch, cmp.Diff(string(want), string(got)))
				}
			}
		}
	}
	for _, o := range []ListingOptions{{Sort: []SortKey{{}}}, {Format: ListingSummary}, {Format: ListingSummaryJSON}} {
		if Streams(&o) {
			t.Errorf("%+v streams", o)
		}
	}
}

// fields is b with every run of spaces made one.
func fields(b []byte) []byte {
	var out []byte
	for _, line := range strings.Split(string(b), "\n") {
		out = append(append(out, strings.Join(strings.Fields(line), " ")...), '\n')
	}
	return out
}

// TestListingStreamWidens: a cell wider than the look-ahead's widens its
// column from its row on; the rows before keep theirs.
func TestListingStreamWidens(t *testing.T) {
	snap := &model.Snapshot{}
	for i := range lookAhead + 2 {
		snap.Sockets = append(snap.Sockets, model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateEstablished,
			Local: netip.MustParseAddrPort("10.0.0.1:22"), Remote: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.2"), uint16(40000+i))})
	}
	wide := &snap.Sockets[lookAhead]
	wide.Family, wide.Local = model.FamilyInet6, netip.MustParseAddrPort("[2001:db8:1234:5678:9abc:def0:1234:5678]:22")
	lines := strings.Split(strings.TrimSuffix(string(streamListing(snap, ListingOptions{}, lookAhead)), "\n"), "\n")
	if len(lines) != lookAhead+3 {
		t.Fatalf("%d lines, want %d", len(lines), lookAhead+3)
	}
	col := func(line string) int { return strings.Index(line, "10.0.0.2:") }
	before, after := col(lines[1]), col(lines[len(lines)-1])
	if col(lines[lookAhead]) != before || after <= before || !strings.Contains(lines[lookAhead+1], "2001:db8") || col(lines[lookAhead+1]) != after {
		t.Errorf("remote column at %d in the look-ahead, %d after the wide row; want it moved right from the wide row on:\n%s\n%s\n%s",
			before, after, lines[lookAhead], lines[lookAhead+1], lines[lookAhead+2])
	}
}
