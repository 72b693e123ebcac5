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
	widths := make([]int, len(cols))
	if header {
		for i, c := range cols {
			widths[i] = len(c.Name)
		}
	}
	last := len(cols) - 1
	// The last column is not padded, so not measured, unless it is a
	// number (--columns), aligned right.
	measured := cols[:last]
	if last >= 0 && cols[last].Right {
		measured = cols
	}
	for k := range socks {
		for i, c := range measured {
			widths[i] = max(widths[i], c.Width(&socks[k], l))
		}
	}
	var line []byte
	if header {
		for i, c := range cols {
			line = appendCell(line, len(c.Name), widths[i], c.Right, i == last,
				func(dst []byte) []byte { return append(dst, c.Name...) })
		}
		line = append(line, '\n')
		w.Write(line)
	}
	for k := range socks {
		line = line[:0]
		s := &socks[k]
		for i, c := range cols {
			start := len(line)
			if c.Right {
				// Right-aligned cells are numbers: pad by their width first.
				line = appendSpaces(line, widths[i]-c.Width(s, l))
				line = c.Append(line, s, l)
			} else {
				line = c.Append(line, s, l)
				if i < last {
					line = appendSpaces(line, widths[i]-(len(line)-start))
				}
			}
			if i < last {
				line = append(line, ' ', ' ')
			}
		}
		line = append(line, '\n')
		w.Write(line)
	}
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
