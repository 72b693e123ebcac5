package render

import (
	"errors"
	"fmt"
	"strings"

	"github.com/conntab/conntab/model"
)

// ErrColumn is what the errors of ParseColumns and ParseSort match with
// errors.Is.
var ErrColumn = errors.New("render: bad column list")

// columnError is an error in a list of columns, in the user's words.
type columnError struct{ msg string }

func (e *columnError) Error() string        { return e.msg }
func (e *columnError) Is(target error) bool { return target == ErrColumn }

func columnErrorf(format string, args ...any) error {
	return &columnError{msg: fmt.Sprintf(format, args...)}
}

// namedColumn is a column of the listing by the name --columns and --sort
// give it: the JSON field's name where there is one, the dashboard's
// title as another.
type namedColumn struct {
	name string
	// aliases are other spellings: the dashboard's title, ss's header.
	aliases []string
	// header is the Column's Name (Columns).
	header string
	// needs is what must be read for the column.
	needs ListingNeeds
	// A column sorts by its words: text's rank among the sockets' texts
	// first, when text is set, then the words put writes (as many as
	// words), compared as unsigned numbers. sortSockets lays every
	// socket's words out in one slice.
	text  func(s *model.Socket, l *Labeler) string
	words int
	put   func(dst []uint64, s *model.Socket, l *Labeler)
}

// columnNames is the one table of the names of the listing's columns, in
// the order Columns gives them. The orders are the dashboard's.
var columnNames = []namedColumn{
	{name: "netns", aliases: []string{"namespace", "container"}, header: "Namespace",
		text: func(s *model.Socket, l *Labeler) string { return NamespaceLabel(s, l) }},
	{name: "proto", aliases: []string{"netid"}, header: "Netid", words: 1,
		put: func(dst []uint64, s *model.Socket, _ *Labeler) { dst[0] = uint64(s.Proto)<<8 | uint64(s.Family) }},
	{name: "state", header: "State", words: 1, // the kernel's order, UNCONN last
		put: func(dst []uint64, s *model.Socket, _ *Labeler) { dst[0] = uint64(s.State) }},
	{name: "recv_q", header: "Recv-Q", words: 1,
		put: func(dst []uint64, s *model.Socket, _ *Labeler) { dst[0] = uint64(s.RecvQ) }},
	{name: "send_q", header: "Send-Q", words: 1,
		put: func(dst []uint64, s *model.Socket, _ *Labeler) { dst[0] = uint64(s.SendQ) }},
	{name: "local", header: "Local Address:Port", words: endpointWords,
		put: func(dst []uint64, s *model.Socket, _ *Labeler) { putEndpoint(dst, s.Local) }},
	{name: "remote", aliases: []string{"peer"}, header: "Peer Address:Port", words: endpointWords,
		put: func(dst []uint64, s *model.Socket, _ *Labeler) { putEndpoint(dst, s.Remote) }},
	{name: "service", header: "Service",
		text: func(s *model.Socket, l *Labeler) string { return l.Service(s) }},
	{name: "uid", header: "UID", words: 1,
		put: func(dst []uint64, s *model.Socket, _ *Labeler) { dst[0] = uint64(s.UID) }},
	{name: "inode", header: "Inode", words: 1,
		put: func(dst []uint64, s *model.Socket, _ *Labeler) { dst[0] = s.Inode }},
	{name: "cookie", header: "Cookie", words: 1,
		put: func(dst []uint64, s *model.Socket, _ *Labeler) { dst[0] = s.Cookie }},
	{name: "class", header: "Class", words: 1, // the local port's, then the peer's
		put: func(dst []uint64, s *model.Socket, l *Labeler) {
			dst[0] = uint64(l.Class(s.Local.Port()))<<8 | uint64(l.Class(s.Remote.Port()))
		}},
	{name: "timer", header: "Timer", words: 2, // its kind, then when it fires
		put: func(dst []uint64, s *model.Socket, _ *Labeler) {
			dst[0], dst[1] = uint64(s.Timer.Kind), signedWord(int64(s.Timer.Expires))
		}},
	{name: "user", header: "User", needs: ListingNeeds{Users: true},
		text: func(s *model.Socket, l *Labeler) string { return l.User(s) }},
	{name: "process", aliases: []string{"processes"}, header: "Process", needs: ListingNeeds{Processes: true},
		// No process first (""), then by name and pid.
		text: func(s *model.Socket, l *Labeler) string {
			if o := l.OwnersOf(s); len(o) > 0 {
				return o[0].Comm
			}
			return ""
		},
		words: 1,
		put: func(dst []uint64, s *model.Socket, l *Labeler) {
			dst[0] = 0
			if o := l.OwnersOf(s); len(o) > 0 {
				dst[0] = uint64(o[0].PID)
			}
		}},
	{name: "flags", header: "Flags", needs: ListingNeeds{Flags: true}, words: 1, // the worst, then how many
		put: func(dst []uint64, s *model.Socket, l *Labeler) {
			var worst uint64
			flags := l.FlagsOf(s)
			for _, f := range flags {
				worst = max(worst, uint64(f.Severity))
			}
			dst[0] = worst<<32 | uint64(len(flags))
		}},
}

// ColumnNames are the names --columns and --sort take, in the order of
// the listing's columns.
func ColumnNames() []string {
	out := make([]string, len(columnNames))
	for i, c := range columnNames {
		out[i] = c.name
	}
	return out
}

// lookupColumn finds a column by its name or an alias, in any case, "-"
// spelt as "_" (recv-q, Recv-Q, recv_q).
func lookupColumn(name string) (*namedColumn, error) {
	norm := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
	for i := range columnNames {
		c := &columnNames[i]
		if c.name == norm {
			return c, nil
		}
		for _, a := range c.aliases {
			if a == norm {
				return c, nil
			}
		}
	}
	return nil, columnErrorf("unknown column %q (the columns are %s)", name, strings.Join(ColumnNames(), ", "))
}

// ParseColumns reads --columns' comma-separated names ("state,local,process")
// into the columns' names.
func ParseColumns(list string) ([]string, error) {
	var out []string
	for _, name := range strings.Split(list, ",") {
		if strings.TrimSpace(name) == "" {
			return nil, columnErrorf("empty column name in %q", list)
		}
		c, err := lookupColumn(name)
		if err != nil {
			return nil, err
		}
		out = append(out, c.name)
	}
	return out, nil
}

// SortKey is one key of --sort: a column's name, and whether it sorts
// from the largest down.
type SortKey struct {
	Column string
	Desc   bool
}

// ParseSort reads --sort's keys, comma-separated, each COL, COL:asc or
// COL:desc ("state,remote:desc").
func ParseSort(spec string) ([]SortKey, error) {
	var out []SortKey
	for _, item := range strings.Split(spec, ",") {
		name, order, _ := strings.Cut(item, ":")
		if strings.TrimSpace(name) == "" {
			return nil, columnErrorf("empty column name in %q", spec)
		}
		c, err := lookupColumn(name)
		if err != nil {
			return nil, err
		}
		k := SortKey{Column: c.name}
		switch strings.ToLower(order) {
		case "", "asc":
		case "desc":
			k.Desc = true
		default:
			return nil, columnErrorf("%q: the order is asc or desc", item)
		}
		out = append(out, k)
	}
	return out, nil
}

// ListingNeeds is what a listing needs read besides the sockets.
type ListingNeeds struct {
	Processes bool // the processes holding each socket (Snapshot.Owners)
	Users     bool // the user names (Labeler.UserName)
	Flags     bool // the destinations' flags (Labeler.Dests)
}

// Needs is what must be read for what o writes: processes and users for
// the Process and User columns, the destinations' flags for Flags,
// whether they are shown (Columns, Names) or sorted by.
func (o *ListingOptions) Needs() ListingNeeds {
	need := ListingNeeds{Processes: o.Columns.Processes, Users: o.Columns.Processes, Flags: o.Columns.Flags}
	add := func(name string) {
		if c, err := lookupColumn(name); err == nil {
			need.Processes = need.Processes || c.needs.Processes
			need.Users = need.Users || c.needs.Users
			need.Flags = need.Flags || c.needs.Flags
		}
	}
	for _, name := range o.Names {
		add(name)
	}
	for _, k := range o.Sort {
		add(k.Column)
	}
	return need
}

// tableColumns are the table's columns: those Names gives, in order, or
// else Columns(o.Columns).
func (o *ListingOptions) tableColumns() []Column {
	if len(o.Names) == 0 {
		return Columns(o.Columns)
	}
	byHeader := map[string]Column{}
	for _, c := range Columns(ColumnSet{Extended: true, Timers: true, Processes: true, Classes: true, Flags: true, Namespace: true}) {
		byHeader[c.Name] = c
	}
	cols := make([]Column, 0, len(o.Names))
	for _, name := range o.Names {
		if c, err := lookupColumn(name); err == nil {
			cols = append(cols, byHeader[c.header])
		}
	}
	return cols
}
