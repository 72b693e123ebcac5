// Package render spells conntab's data for people and for programs: the
// listing of sockets (a table, NDJSON, CSV, a summary), the text of the
// two reports (conntab ports, conntab listeners) and their JSON documents.
// It reads no file and judges nothing: the sockets come from a
// model.Snapshot, the judgements from analyze and audit, the names from a
// Labeler. package main picks the writer and the options from the flags;
// the dashboard (tui) takes its cells from the same columns.
//
// # One column definition
//
// Columns(ColumnSet) is the socket table's columns: Netid, State, Recv-Q,
// Send-Q, Local and Peer Address:Port, Service, then what the set asks
// for (UID, Inode, Cookie; Class; Timer; User, Process; Flags). Each
// Column can append its cell (Append) and say how long that cell is
// without writing it (Width), so that aligning 130,000 rows measures
// every cell once. conntab list writes its table through them, and the
// dashboard's Sockets and Listeners views render the same cells, so a
// socket is spelled the same way in both.
//
// # The writers
//
// Every writer that takes a *bufio.Writer writes and returns nothing:
// its errors are the writer's, seen when the caller flushes it.
//
//   - Listing(w, snap, ListingOptions, *Labeler): conntab list. The
//     format is ListingTable (aligned columns, two spaces apart, the last
//     not padded, as ss writes them), ListingJSON (one SocketJSON object
//     a line, AppendJSON), ListingCSV (a header line, then RFC 4180
//     records, AppendCSV), ListingSummary (counts per state, by
//     protocol and family, and the figures ss -s gives: conntab list -s)
//     or ListingSummaryJSON (the same as one SummaryJSON document).
//     ListingOptions.Names chooses the table's columns and .Sort orders
//     the rows, both by the names of one table (column_names.go:
//     ParseColumns, ParseSort), the JSON fields' names; the sort turns
//     each socket's key into a few words and sorts them by radix
//     (sort.go): 130,000 rows sort in about the time the table takes
//     to write (BenchmarkSortSockets, BenchmarkWriteListing).
//   - PortsText(w, *analyze.PortsReport, PortsTextOptions): conntab ports.
//     A header; the ephemeral range, the sysctls and the counters (with
//     their growth over two samples); the POOLS table (the first Top,
//     then a count of the rest and of those flagged), BIND-BEFORE-CONNECT
//     and HELD PORTS; then FINDINGS.
//   - ListenersText(w, *audit.ListenerReport, ListenersTextOptions):
//     conntab listeners. A header with the facts that judge the ports,
//     the LISTENERS table, then FINDINGS.
//   - PortsDocument and ListenersDocument (io.Writer): the --json of
//     the two reports, one indented document each (PortsJSON,
//     ListenersJSON; docs/json.md), with arrows and ampersands as they
//     are.
//   - WritePorts and WriteListeners (*bufio.Writer): the two reports as
//     the command asks, text or JSON, of one namespace or of several
//     (-N all): PortsNamespacesText and ListenersNamespacesText then
//     give a row per namespace (ports), one table of every namespace's
//     pools or listeners, each row led by its namespace's name (its
//     container, else its ip netns name, else its inode; escaped), and
//     the findings of them all with each subject led by that name; the
//     JSON is one document with a report per namespace
//     (PortsNamespacesJSON, ListenersNamespacesJSON).
//
// Both reports end with the same FINDINGS section: each finding's
// severity and subject, its text, and each piece of advice as "Do.
// Fixes: … Does not fix: …". Their prose wraps at the width it is given
// (MaxWidth in a pipe), never between the words it keeps together (a
// counter and its rate); their tables never wrap. A report's table
// aligns by display width, counting runes (its cells hold arrows and
// severity marks); the listing's aligns by the lengths Column.Width
// gives.
//
// # Escaping
//
// Text that did not come from conntab itself can hold anything: a
// process names itself (comm), a user name comes from /etc/passwd, a
// service name from /etc/services. None of it reaches the output raw.
//
//   - Text: escape.AppendSafe writes control characters, DEL, C1
//     controls and bytes that are not UTF-8 as visible escapes (\n, \x1b,
//     \xff), and a backslash as two, so that no name can steer the
//     terminal. Every table cell from outside goes through it, and the
//     reports pass each paragraph through it as well; arrows and
//     severity marks, being valid UTF-8, stay.
//   - CSV: AppendSafe first, then RFC 4180 quoting where a field holds a
//     comma or a quote.
//   - The listing's JSON: escape.AppendJSONString writes control
//     characters as JSON escapes (\n, \u001b) and a byte that is not
//     UTF-8 as the text \xNN, so that every line is valid JSON and loses
//     nothing.
//   - The reports' JSON documents go through encoding/json, which
//     escapes control characters (and replaces bytes that are not UTF-8
//     with U+FFFD).
//
// # Tests
//
// The golden files of every writer are in testdata/golden, byte for byte
// what conntab writes; go test ./render -update rewrites them.
package render
