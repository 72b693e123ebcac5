package render

import (
	"bufio"

	"github.com/conntab/conntab/model"
)

// lookAhead is how many rows a streamed table measures before it writes
// its header and its first rows.
const lookAhead = 1024

// ListingStream writes a listing as the sockets come, a batch at a time
// (collect.Stream), holding none of them but a table's look-ahead: NDJSON
// and CSV at once; the table once lookAhead rows have come, or at Close,
// with column widths measured over them. A later cell that is wider
// widens its column from its row on. Sorting and the summaries need every
// socket: Streams says whether a listing can be streamed.
type ListingStream struct {
	w       *bufio.Writer
	o       ListingOptions
	l       *Labeler
	table   *table
	pending []model.Socket
	started bool
}

// Streams reports whether a listing with options o can be written as its
// sockets come: a table, NDJSON or CSV, unsorted.
func Streams(o *ListingOptions) bool {
	return len(o.Sort) == 0 && (o.Format == ListingTable || o.Format == ListingJSON || o.Format == ListingCSV)
}

// NewListingStream starts a listing with options o, which Streams
// accepts, on w. Every cell goes through l, which must name the
// snapshot's host and source before the first Write.
func NewListingStream(w *bufio.Writer, o ListingOptions, l *Labeler) *ListingStream {
	return &ListingStream{w: w, o: o, l: l}
}

// Write writes socks, or holds them for the table's look-ahead. It does
// not keep socks. The error is w's: the reader went away.
func (s *ListingStream) Write(socks []model.Socket) error {
	switch {
	case s.o.Format == ListingJSON:
		var line []byte
		for k := range socks {
			line = append(AppendJSON(line[:0], &socks[k], s.l), '\n')
			if _, err := s.w.Write(line); err != nil {
				return err
			}
		}
		return nil
	case s.o.Format == ListingCSV:
		if !s.started {
			s.started = true
			writeCSV(s.w, nil, s.l, !s.o.NoHeader)
		}
		var line []byte
		for k := range socks {
			line = append(AppendCSV(line[:0], &socks[k], s.l), '\n')
			if _, err := s.w.Write(line); err != nil {
				return err
			}
		}
		return nil
	case s.started:
		return s.table.writeRows(s.w, socks)
	}
	if len(s.pending) == 0 && len(socks) >= lookAhead {
		return s.start(socks) // a whole table at once (from /proc): no copy
	}
	s.pending = append(s.pending, socks...)
	if len(s.pending) < lookAhead {
		return nil
	}
	return s.start(s.pending)
}

// start measures the look-ahead socks, writes the header and them.
func (s *ListingStream) start(socks []model.Socket) error {
	s.started = true
	s.table = newTable(s.o.tableColumns(), s.l, !s.o.NoHeader)
	s.table.measure(socks)
	if !s.o.NoHeader {
		s.table.writeHeader(s.w)
	}
	err := s.table.writeRows(s.w, socks)
	s.pending = nil
	return err
}

// Close writes what the look-ahead holds, and the header of a listing
// that had no rows.
func (s *ListingStream) Close() error {
	switch {
	case s.o.Format == ListingCSV && !s.started:
		return s.Write(nil)
	case s.o.Format == ListingTable && !s.started:
		return s.start(s.pending)
	}
	return nil
}
