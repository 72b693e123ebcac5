package render

import (
	"net/netip"
	"strconv"
	"unicode/utf8"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render/escape"
)

// Column is one column of the socket table. The one-shot listing and the
// dashboard render rows through the same columns, so both spell a socket
// the same way.
type Column struct {
	Name string
	// Right aligns the column to the right (numbers).
	Right bool
	// Append appends the cell for s. Text that did not come from conntab
	// itself is escaped (see AppendSafe).
	Append func(dst []byte, s *model.Socket, l *Labeler) []byte
	// Width is the length of the cell Append writes, computed without
	// writing it: aligning 130k rows measures every cell once.
	Width func(s *model.Socket, l *Labeler) int
}

// ColumnSet chooses the optional columns.
type ColumnSet struct {
	Extended  bool // UID, Inode, Cookie
	Timers    bool // Timer
	Processes bool // User, Process
	Classes   bool // Class: each end's port class
	// Flags adds Flags, last: the remote endpoint's flags (Labeler.Dests).
	Flags bool
	// Namespace adds Namespace, first: the socket's network namespace
	// when several were read (NamespaceLabel).
	Namespace bool
}

// Columns returns the listing's columns: Netid, State, Recv-Q, Send-Q,
// Local Address:Port, Peer Address:Port, Service, and those set asks for.
func Columns(set ColumnSet) []Column {
	var cols []Column
	if set.Namespace {
		cols = append(cols, Column{Name: "Namespace", Append: appendNamespace,
			Width: func(s *model.Socket, l *Labeler) int { return safeLen(NamespaceLabel(s, l)) }})
	}
	cols = append(cols, baseColumns()...)
	return optionalColumns(cols, set)
}

// baseColumns are the columns every listing has.
func baseColumns() []Column {
	return []Column{
		{Name: "Netid",
			Append: func(dst []byte, s *model.Socket, _ *Labeler) []byte { return AppendNetid(dst, s) },
			Width: func(s *model.Socket, _ *Labeler) int {
				if s.Family == model.FamilyInet6 {
					return 4
				}
				return 3
			}},
		{Name: "State",
			Append: func(dst []byte, s *model.Socket, _ *Labeler) []byte { return append(dst, s.State.String()...) },
			Width:  func(s *model.Socket, _ *Labeler) int { return len(s.State.String()) }},
		{Name: "Recv-Q", Right: true,
			Append: func(dst []byte, s *model.Socket, _ *Labeler) []byte {
				return strconv.AppendUint(dst, uint64(s.RecvQ), 10)
			},
			Width: func(s *model.Socket, _ *Labeler) int { return decimalLen(uint64(s.RecvQ)) }},
		sendQColumn(),
		{Name: "Local Address:Port",
			Append: appendLocal,
			Width: func(s *model.Socket, l *Labeler) int {
				if n := namedLen(s.Local, l); n >= 0 {
					return n
				}
				return addrPortLen(s.Local)
			}},
		{Name: "Peer Address:Port",
			Append: appendPeerCell,
			Width: func(s *model.Socket, l *Labeler) int {
				if n := namedLen(s.Remote, l); n >= 0 {
					return n
				}
				if s.Remote.Port() == 0 {
					return addrPortLen(s.Remote) // port "0" is written "*", as long
				}
				return addrPortLen(s.Remote)
			}},
		{Name: "Service",
			Append: func(dst []byte, s *model.Socket, l *Labeler) []byte { return escape.AppendSafe(dst, l.Service(s)) },
			Width:  func(s *model.Socket, l *Labeler) int { return safeLen(l.Service(s)) }},
	}
}

// optionalColumns appends to cols those set asks for.
func optionalColumns(cols []Column, set ColumnSet) []Column {
	if set.Extended {
		cols = append(cols, extendedColumns()...)
	}
	if set.Classes {
		cols = append(cols, Column{Name: "Class", Append: appendClasses, Width: func(s *model.Socket, l *Labeler) int {
			var b [16]byte
			return len(appendClasses(b[:0], s, l))
		}})
	}
	if set.Timers {
		cols = append(cols, Column{Name: "Timer",
			Append: func(dst []byte, s *model.Socket, _ *Labeler) []byte { return model.AppendTimer(dst, s.Timer) },
			Width: func(s *model.Socket, _ *Labeler) int {
				var b [48]byte
				return len(model.AppendTimer(b[:0], s.Timer))
			}})
	}
	if set.Processes {
		cols = append(cols,
			Column{Name: "User", Append: appendUser, Width: func(s *model.Socket, l *Labeler) int {
				var b [64]byte
				return len(appendUser(b[:0], s, l))
			}},
			Column{Name: "Process", Append: appendProcesses, Width: func(s *model.Socket, l *Labeler) int {
				var b [256]byte
				return len(appendProcesses(b[:0], s, l))
			}},
		)
	}
	if set.Flags {
		cols = append(cols, Column{Name: "Flags", Append: appendFlags, Width: func(s *model.Socket, l *Labeler) int {
			var b [128]byte
			return utf8.RuneCount(appendFlags(b[:0], s, l))
		}})
	}
	return cols
}

// Unknown is the cell of a figure the source does not report: a
// listener's backlog (its Send-Q) read from /proc. The listing, the
// listeners' table and the dashboard write it so; "-" is for a figure
// that does not apply (a UDP socket's accept queue).
const Unknown = "?"

// SendQKnown reports whether s's Send-Q, read from src, is a figure. A
// listener's is its backlog, which sock_diag reports and /proc does not:
// /proc prints the send queue there, always 0 (model.Socket.Backlog).
// Every other socket's send queue is known from either source.
func SendQKnown(s *model.Socket, src model.Source) bool {
	return s.State != model.StateListen || src != model.SourceProc
}

// sendQColumn is Send-Q: Unknown for a listener read from /proc.
func sendQColumn() Column {
	return Column{Name: "Send-Q", Right: true,
		Append: func(dst []byte, s *model.Socket, l *Labeler) []byte {
			if !SendQKnown(s, l.source()) {
				return append(dst, Unknown...)
			}
			return strconv.AppendUint(dst, uint64(s.SendQ), 10)
		},
		Width: func(s *model.Socket, l *Labeler) int {
			if !SendQKnown(s, l.source()) {
				return len(Unknown)
			}
			return decimalLen(uint64(s.SendQ))
		}}
}

// extendedColumns are UID, Inode and Cookie (-e).
func extendedColumns() []Column {
	return []Column{
		{Name: "UID", Right: true,
			Append: func(dst []byte, s *model.Socket, _ *Labeler) []byte {
				return strconv.AppendUint(dst, uint64(s.UID), 10)
			},
			Width: func(s *model.Socket, _ *Labeler) int { return decimalLen(uint64(s.UID)) }},
		{Name: "Inode", Right: true,
			Append: func(dst []byte, s *model.Socket, _ *Labeler) []byte { return strconv.AppendUint(dst, s.Inode, 10) },
			Width:  func(s *model.Socket, _ *Labeler) int { return decimalLen(s.Inode) }},
		{Name: "Cookie", Right: true,
			Append: func(dst []byte, s *model.Socket, _ *Labeler) []byte { return strconv.AppendUint(dst, s.Cookie, 10) },
			Width:  func(s *model.Socket, _ *Labeler) int { return decimalLen(s.Cookie) }},
	}
}

// appendFlags appends the labels of the flags of s's remote endpoint,
// separated by ", ".
func appendFlags(dst []byte, s *model.Socket, l *Labeler) []byte {
	for i, f := range l.FlagsOf(s) {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = f.AppendLabel(dst)
	}
	return dst
}

// appendClasses appends the local and the peer port's classes, short
// ("eph>wk": from an ephemeral port to a well-known one); a peer without a
// port is "-".
func appendClasses(dst []byte, s *model.Socket, l *Labeler) []byte {
	dst = append(dst, l.Class(s.Local.Port()).Short()...)
	dst = append(dst, '>')
	if s.Remote.Port() == 0 {
		return append(dst, '-')
	}
	return append(dst, l.Class(s.Remote.Port()).Short()...)
}

// appendUser appends the socket owner's user name, escaped, or the uid
// when the name is not known.
func appendUser(dst []byte, s *model.Socket, l *Labeler) []byte {
	return escape.AppendSafe(dst, l.User(s))
}

// appendProcesses appends the processes holding s, every descriptor
// (appendOwners).
func appendProcesses(dst []byte, s *model.Socket, l *Labeler) []byte {
	return appendOwners(dst, l.OwnersOf(s), 0)
}

// AppendNetid spells protocol and family as one word, as ss does: tcp,
// tcp6, udp, udp6.
func AppendNetid(dst []byte, s *model.Socket) []byte {
	dst = append(dst, s.Proto.String()...)
	if s.Family == model.FamilyInet6 {
		dst = append(dst, '6')
	}
	return dst
}

// decimalLen is the number of digits of v in base 10.
func decimalLen(v uint64) int {
	n := 1
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}

// addrPortLen is len(ap.AppendTo(nil)), without writing it for IPv4.
func addrPortLen(ap netip.AddrPort) int {
	a := ap.Addr()
	if !a.Is4() {
		var b [64]byte
		return len(ap.AppendTo(b[:0]))
	}
	b := a.As4()
	return decimalLen(uint64(b[0])) + decimalLen(uint64(b[1])) + decimalLen(uint64(b[2])) + decimalLen(uint64(b[3])) + 3 +
		1 + decimalLen(uint64(ap.Port()))
}

// safeLen is len(escape.AppendSafe(nil, s)).
func safeLen(s string) int {
	if escape.IsSafe(s) {
		return len(s)
	}
	var b [128]byte
	return len(escape.AppendSafe(b[:0], s))
}

// NamespaceLabel is how the Namespace column names s's namespace: its
// container's name (pod/container in Kubernetes), else its `ip netns`
// name, else its inode. The names are the runtimes' text: untrusted.
func NamespaceLabel(s *model.Socket, l *Labeler) string {
	if l != nil && l.Snapshot != nil {
		if name := l.Snapshot.NamespaceOf(s.NetNS).Label(); name != "" {
			return name
		}
	}
	return strconv.FormatUint(uint64(s.NetNS), 10)
}

func appendNamespace(dst []byte, s *model.Socket, l *Labeler) []byte {
	return escape.AppendSafe(dst, NamespaceLabel(s, l))
}
