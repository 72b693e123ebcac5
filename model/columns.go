package model

import (
	"net/netip"
	"strconv"
	"time"
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
	Append func(dst []byte, s *Socket, l *Labeler) []byte
}

// Columns returns the listing's columns: Netid, State, Recv-Q, Send-Q,
// Local Address:Port, Peer Address:Port, Service; with extended, UID,
// Inode and Cookie; with timers, Timer.
func Columns(extended, timers bool) []Column {
	cols := []Column{
		{Name: "Netid", Append: func(dst []byte, s *Socket, _ *Labeler) []byte { return appendNetid(dst, s) }},
		{Name: "State", Append: func(dst []byte, s *Socket, _ *Labeler) []byte { return append(dst, s.State.String()...) }},
		{Name: "Recv-Q", Right: true, Append: func(dst []byte, s *Socket, _ *Labeler) []byte { return strconv.AppendUint(dst, uint64(s.RecvQ), 10) }},
		{Name: "Send-Q", Right: true, Append: func(dst []byte, s *Socket, _ *Labeler) []byte { return strconv.AppendUint(dst, uint64(s.SendQ), 10) }},
		{Name: "Local Address:Port", Append: func(dst []byte, s *Socket, _ *Labeler) []byte { return s.Local.AppendTo(dst) }},
		{Name: "Peer Address:Port", Append: func(dst []byte, s *Socket, _ *Labeler) []byte { return AppendPeer(dst, s.Remote) }},
		{Name: "Service", Append: func(dst []byte, s *Socket, l *Labeler) []byte { return AppendSafe(dst, l.Service(s)) }},
	}
	if extended {
		cols = append(cols,
			Column{Name: "UID", Right: true, Append: func(dst []byte, s *Socket, _ *Labeler) []byte { return strconv.AppendUint(dst, uint64(s.UID), 10) }},
			Column{Name: "Inode", Right: true, Append: func(dst []byte, s *Socket, _ *Labeler) []byte { return strconv.AppendUint(dst, s.Inode, 10) }},
			Column{Name: "Cookie", Right: true, Append: func(dst []byte, s *Socket, _ *Labeler) []byte { return strconv.AppendUint(dst, s.Cookie, 10) }},
		)
	}
	if timers {
		cols = append(cols, Column{Name: "Timer", Append: func(dst []byte, s *Socket, _ *Labeler) []byte { return AppendTimer(dst, s.Timer) }})
	}
	return cols
}

// appendNetid spells protocol and family as one word: tcp, tcp6, udp, udp6.
func appendNetid(dst []byte, s *Socket) []byte {
	dst = append(dst, s.Proto.String()...)
	if s.Family == FamilyInet6 {
		dst = append(dst, '6')
	}
	return dst
}

// AppendTimer appends a timer as kind,expiry,retransmits ("timewait,59.2s,0"),
// or "-" when none is pending.
func AppendTimer(dst []byte, t Timer) []byte {
	if t.Kind == TimerNone {
		return append(dst, '-')
	}
	dst = append(dst, t.Kind.String()...)
	dst = append(dst, ',')
	dst = AppendDuration(dst, t.Expires)
	dst = append(dst, ',')
	return strconv.AppendUint(dst, uint64(t.Retrans), 10)
}

// AppendDuration appends d in a short human form: 230ms, 59.2s, 5m3s.
func AppendDuration(dst []byte, d time.Duration) []byte {
	switch {
	case d < time.Second:
		dst = strconv.AppendInt(dst, d.Milliseconds(), 10)
		return append(dst, 'm', 's')
	case d < time.Minute:
		dst = strconv.AppendFloat(dst, float64(d.Milliseconds()/100)/10, 'f', 1, 64)
		return append(dst, 's')
	}
	dst = strconv.AppendInt(dst, int64(d/time.Minute), 10)
	dst = append(dst, 'm')
	dst = strconv.AppendInt(dst, int64(d%time.Minute/time.Second), 10)
	return append(dst, 's')
}

// AppendPeer appends a peer endpoint as ss shows it: port 0, no peer yet,
// is "*" (0.0.0.0:*, [::]:*).
func AppendPeer(dst []byte, ap netip.AddrPort) []byte {
	if ap.Port() != 0 {
		return ap.AppendTo(dst)
	}
	if ap.Addr().Is6() {
		dst = append(dst, '[')
		dst = ap.Addr().AppendTo(dst)
		return append(dst, ']', ':', '*')
	}
	dst = ap.Addr().AppendTo(dst)
	return append(dst, ':', '*')
}
