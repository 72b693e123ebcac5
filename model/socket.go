package model

import (
	"errors"
	"net/netip"
	"time"
)

// Proto is a transport protocol.
type Proto uint8

// Protocols conntab collects.
const (
	ProtoTCP Proto = 6
	ProtoUDP Proto = 17
)

func (p Proto) String() string {
	switch p {
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	}
	return "proto(" + itoa(uint64(p)) + ")"
}

// Family is an address family, numbered as the kernel numbers AF_INET and AF_INET6.
type Family uint8

// Address families.
const (
	FamilyInet  Family = 2
	FamilyInet6 Family = 10
)

func (f Family) String() string {
	switch f {
	case FamilyInet:
		return "inet"
	case FamilyInet6:
		return "inet6"
	}
	return "family(" + itoa(uint64(f)) + ")"
}

// Socket is one kernel socket, normalised.
type Socket struct {
	// Local and Remote are the endpoints. An unconnected socket has an
	// unspecified Remote (0.0.0.0:0 or [::]:0). IPv4-mapped addresses are
	// stored as IPv4 (see the package doc).
	Local, Remote netip.AddrPort
	// Cookie is the kernel's socket cookie (0 when the source has none: /proc).
	Cookie uint64
	// Inode is the socket inode; 0 for TIME_WAIT and request sockets, which
	// belong to no file.
	Inode uint64
	Timer Timer
	// RecvQ and SendQ are the queues in bytes; on LISTEN they are the accept
	// queue length and its limit (see AcceptQueue and Backlog).
	RecvQ, SendQ uint32
	UID          uint32
	// NetNS is the inode number of the network namespace the socket lives in.
	NetNS  uint32
	Proto  Proto
	Family Family
	State  State
	// V6Only says whether an IPv6 socket bound to the wildcard [::] takes
	// IPv4 too. Only sock_diag reports it, for IPv6 LISTEN and unbound or
	// unconnected (CLOSE, UNCONN) sockets; it is V6OnlyUnknown elsewhere.
	V6Only V6Only
}

// V6Only is an IPv6 socket's IPV6_V6ONLY option, where known.
type V6Only uint8

// V6Only values.
const (
	V6OnlyUnknown V6Only = iota // not reported: IPv4, connected, or read from /proc
	V6OnlyOff                   // dual-stack: the socket takes IPv4 too, as v4-mapped addresses
	V6OnlyOn                    // IPv6 only
)

// AcceptQueue is the number of connections waiting for accept() on a LISTEN
// socket, and false on any other.
func (s *Socket) AcceptQueue() (uint32, bool) { return s.RecvQ, s.State == StateListen }

// Backlog is the accept queue's limit on a LISTEN socket, and false on any
// other. The /proc source does not report it and leaves it 0.
func (s *Socket) Backlog() (uint32, bool) { return s.SendQ, s.State == StateListen }

// V4Mapped reports whether an IPv6 socket's local address is an IPv4-mapped
// one, that is, the socket talks IPv4 through a dual-stack IPv6 socket.
func (s *Socket) V4Mapped() bool {
	return s.Family == FamilyInet6 && s.Local.Addr().Is4()
}

// TimerKind is the kind of the timer pending on a socket, as the kernel
// reports it in inet_diag_msg.idiag_timer and the "tr" column of /proc/net/tcp.
type TimerKind uint8

// Timer kinds, numbered as the kernel numbers them. TimerDelack is never
// reported by current kernels (neither inet_diag nor /proc/net/tcp name the
// delayed-ACK timer); it is kept so the vocabulary is complete.
const (
	TimerNone      TimerKind = 0
	TimerOn        TimerKind = 1 // retransmit, loss probe or reordering timer
	TimerKeepalive TimerKind = 2
	TimerTimewait  TimerKind = 3
	TimerPersist   TimerKind = 4 // zero window probe
	TimerDelack    TimerKind = 5
)

var timerNames = [...]string{"none", "on", "keepalive", "timewait", "persist", "delack"}

func (k TimerKind) String() string {
	if int(k) < len(timerNames) {
		return timerNames[k]
	}
	return "timer(" + itoa(uint64(k)) + ")"
}

// Timer is a socket's pending timer.
type Timer struct {
	// Expires is the time left until the timer fires.
	Expires time.Duration
	Kind    TimerKind
	// Retrans counts retransmits (or, for keepalive and persist timers,
	// unanswered probes).
	Retrans uint8
}

// ErrGone is a socket asked about by its addresses and cookie (its
// tcp_info, or closing it) that is no longer there.
var ErrGone = errors.New("socket no longer exists")

func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return string(b[i:])
}
