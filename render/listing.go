package render

import (
	"bufio"

	"github.com/conntab/conntab/model"
)

// ListingFormat is how Listing writes the sockets.
type ListingFormat uint8

const (
	// ListingTable is the aligned table, one socket a line, as ss writes it.
	ListingTable ListingFormat = iota
	// ListingJSON is one SocketJSON object a line (NDJSON).
	ListingJSON
	// ListingCSV is RFC 4180 records with a header line (CSVHeader).
	ListingCSV
	// ListingSummary is the counts per state, by protocol and family
	// (-s), instead of the sockets, and the figures ss -s gives.
	ListingSummary
	// ListingSummaryJSON is the summary as one SummaryJSON document.
	ListingSummaryJSON
)

// ListingOptions say how Listing writes a snapshot.
type ListingOptions struct {
	Format ListingFormat
	// NoHeader leaves out the table's and the CSV's header line.
	NoHeader bool
	// Columns are the table's optional columns (Columns); the JSON and
	// the CSV carry processes when the snapshot has owners and flags when
	// the Labeler has Dests, whatever they say.
	Columns ColumnSet
	// Names, when set, are the table's columns by name (--columns,
	// ParseColumns), in order, instead of Columns'.
	Names []string
	// Sort orders the sockets (--sort, ParseSort): Listing sorts
	// snap.Sockets in place. Without it they are written as read.
	Sort []SortKey
	// Selection is which sockets were asked for: the summary says so.
	Selection Selection
}

// Listing writes snap's sockets as `conntab list` does, in the format o
// asks for. Every cell goes through the Labeler l. Errors are w's, seen
// at its Flush.
func Listing(w *bufio.Writer, snap *model.Snapshot, o ListingOptions, l *Labeler) {
	sortSockets(snap.Sockets, o.Sort, l)
	switch o.Format {
	case ListingSummary:
		writeSummary(w, snap, &o.Selection)
	case ListingSummaryJSON:
		writeSummaryJSON(w, snap, &o.Selection)
	case ListingJSON:
		writeJSON(w, snap.Sockets, l)
	case ListingCSV:
		writeCSV(w, snap.Sockets, l, !o.NoHeader)
	default:
		writeTable(w, snap.Sockets, o.tableColumns(), l, !o.NoHeader)
	}
}

// writeTable writes rows aligned in columns, ss-style. Widths come from a
// first pass over the rows, which measures every cell without writing it
// (Column.Width); the last column is not padded.
func writeTable(w *bufio.Writer, socks []model.Socket, cols []Column, l *Labeler, header bool) {
	t := newTable(cols, l, header)
	t.measure(socks)
	if header {
		t.writeHeader(w)
	}
	t.writeRows(w, socks)
}

// table writes sockets as aligned rows.
type table struct {
	cols   []Column
	l      *Labeler
	widths []int
	line   []byte
}

func newTable(cols []Column, l *Labeler, header bool) *table {
	t := &table{cols: cols, l: l, widths: make([]int, len(cols))}
	if header {
		for i, c := range cols {
			t.widths[i] = len(c.Name)
		}
	}
	return t
}

// measure widens the columns to fit socks' cells. The last column is not
// padded, so not measured, unless it is a number (--columns), aligned
// right.
func (t *table) measure(socks []model.Socket) {
	last := len(t.cols) - 1
	measured := t.cols[:last]
	if last >= 0 && t.cols[last].Right {
		measured = t.cols
	}
	for k := range socks {
		for i, c := range measured {
			t.widths[i] = max(t.widths[i], c.Width(&socks[k], t.l))
		}
	}
}

func (t *table) writeHeader(w *bufio.Writer) {
	line := t.line[:0]
	last := len(t.cols) - 1
	for i, c := range t.cols {
		line = appendCell(line, len(c.Name), t.widths[i], c.Right, i == last,
			func(dst []byte) []byte { return append(dst, c.Name...) })
	}
	t.line = append(line, '\n')
	w.Write(t.line)
}

// writeRows writes a line a socket. A cell wider than its column (a row
// after a streamed table's look-ahead) widens it from that row on.
func (t *table) writeRows(w *bufio.Writer, socks []model.Socket) error {
	last := len(t.cols) - 1
	for k := range socks {
		line := t.line[:0]
		s := &socks[k]
		for i, c := range t.cols {
			start := len(line)
			if c.Right {
				// Right-aligned cells are numbers: pad by their width first.
				n := c.Width(s, t.l)
				t.widths[i] = max(t.widths[i], n)
				line = appendSpaces(line, t.widths[i]-n)
				line = c.Append(line, s, t.l)
			} else {
				line = c.Append(line, s, t.l)
				if i < last {
					t.widths[i] = max(t.widths[i], len(line)-start)
					line = appendSpaces(line, t.widths[i]-(len(line)-start))
				}
			}
			if i < last {
				line = append(line, ' ', ' ')
			}
		}
		t.line = append(line, '\n')
		if _, err := w.Write(t.line); err != nil {
			return err
		}
	}
	return nil
}

// appendCell appends one header cell padded to width, with two spaces
// between cells and none after the last.
func appendCell(line []byte, n, width int, right, last bool, appendText func([]byte) []byte) []byte {
	if right {
		line = appendSpaces(line, width-n)
	}
	line = appendText(line)
	if last {
		return line
	}
	if !right {
		line = appendSpaces(line, width-n)
	}
	return append(line, ' ', ' ')
}

const spaces = "                                                                "

func appendSpaces(b []byte, n int) []byte {
	for n > len(spaces) {
		b = append(b, spaces...)
		n -= len(spaces)
	}
	if n > 0 {
		b = append(b, spaces[:n]...)
	}
	return b
}

// writeJSON writes one SocketJSON object a line.
func writeJSON(w *bufio.Writer, socks []model.Socket, l *Labeler) {
	var line []byte
	for k := range socks {
		line = AppendJSON(line[:0], &socks[k], l)
		line = append(line, '\n')
		w.Write(line)
	}
}

// writeCSV writes a header line, when asked, then one record a socket.
func writeCSV(w *bufio.Writer, socks []model.Socket, l *Labeler, header bool) {
	if header {
		w.WriteString(CSVHeader)
		if l.Snapshot != nil && l.Snapshot.Owners != nil {
			w.WriteString(CSVProcessHeader)
		}
		w.WriteString("\n")
	}
	var line []byte
	for k := range socks {
		line = AppendCSV(line[:0], &socks[k], l)
		line = append(line, '\n')
		w.Write(line)
	}
}
