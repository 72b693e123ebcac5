package bpfevents

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/conntab/conntab/model"
)

// Kind is what an Event reports.
type Kind uint8

// Kinds, numbered as events.c numbers them.
const (
	// KindConnectError: a TCP connect() failed in the kernel's protocol
	// code (tcp_v4_connect, tcp_v6_connect): EADDRNOTAVAIL when no local
	// port was free, ENETUNREACH, EACCES... Refusals by the peer arrive
	// later, as a state change from SYN_SENT to CLOSE.
	KindConnectError Kind = 1
	// KindBindError: a bind() of an inet socket failed (EADDRINUSE...).
	KindBindError Kind = 2
	// KindState: a TCP socket changed state.
	KindState Kind = 3
)

func (k Kind) String() string {
	switch k {
	case KindConnectError:
		return "connect_error"
	case KindBindError:
		return "bind_error"
	case KindState:
		return "state"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Errno is a positive error number as the kernel returned it (negated).
type Errno uint32

// Event is one record from the kernel.
type Event struct {
	Kind Kind
	// Mono is when the kernel wrote the record, on CLOCK_MONOTONIC.
	Mono time.Duration
	// Time is Mono on the wall clock; the Tracer fills it, Decode does not.
	Time time.Time
	// Cookie is the socket's cookie, as sock_diag reports it: the key that
	// ties a socket's events together and to the listing.
	Cookie uint64
	// Cgroup is the cgroup v2 id of the task that was running.
	Cgroup uint64
	// PID (the thread group), TID and Comm name the task that was running.
	// For connect and bind errors it is the caller; a state change that
	// happens in softirq (a SYN-ACK, a FIN arriving) names whichever task
	// the packet interrupted.
	PID, TID uint32
	Comm     string
	// NetNS is the inode of the socket's network namespace.
	NetNS  uint32
	Proto  model.Proto
	Family model.Family
	// Errno is the error of a connect or bind error; 0 for state changes.
	Errno Errno
	// OldState and NewState are a state change's states.
	OldState, NewState model.State
	// Local is the socket's address: for a bind error the address asked
	// for; for a connect error the source address the kernel had chosen
	// (port 0 when the port search failed). Remote is the peer, for a
	// connect error the address passed to connect().
	Local, Remote netip.AddrPort
	// PortSearch is, for a connect error, the time the kernel spent
	// looking for a local port (inet_hash_connect); 0 when it did not get
	// that far.
	PortSearch time.Duration
}

// recordLen is sizeof(struct event) in events.c.
const recordLen = 112

// quoteMax bounds how much of a bad record an error quotes.
const quoteMax = 128

// ErrDecode: a record did not decode. The error quotes it.
var ErrDecode = errors.New("bpfevents: malformed record")

// Decode decodes one record as events.c writes it (little-endian, as the
// bpfel objects are built).
func Decode(b []byte) (Event, error) {
	if len(b) != recordLen {
		return Event{}, decodeError(b, fmt.Sprintf("%d bytes, want %d", len(b), recordLen))
	}
	le := binary.LittleEndian
	e := Event{
		Mono:       time.Duration(le.Uint64(b[0:])),
		Cookie:     le.Uint64(b[8:]),
		Cgroup:     le.Uint64(b[16:]),
		PortSearch: time.Duration(le.Uint64(b[24:])),
		PID:        le.Uint32(b[32:]),
		TID:        le.Uint32(b[36:]),
		NetNS:      le.Uint32(b[40:]),
		Errno:      Errno(le.Uint32(b[44:])),
		Kind:       Kind(b[48]),
		Family:     model.Family(b[49]),
		Proto:      model.Proto(b[50]),
		OldState:   model.State(b[51]),
		NewState:   model.State(b[52]),
	}
	if err := e.check(); err != nil {
		return Event{}, decodeError(b, err.Error())
	}
	sport, dport := le.Uint16(b[54:]), le.Uint16(b[56:])
	e.Local = netip.AddrPortFrom(addr(e.Family, b[60:76]), sport)
	e.Remote = netip.AddrPortFrom(addr(e.Family, b[76:92]), dport)
	comm := b[92:108]
	if i := bytes.IndexByte(comm, 0); i >= 0 {
		comm = comm[:i]
	}
	e.Comm = string(comm)
	return e, nil
}

// check says what is impossible in a decoded header.
func (e *Event) check() error {
	if e.Family != model.FamilyInet && e.Family != model.FamilyInet6 {
		return fmt.Errorf("family %d", e.Family)
	}
	switch e.Kind {
	case KindConnectError, KindBindError:
		if e.Errno == 0 || e.Errno > 4095 {
			return fmt.Errorf("%s with errno %d", e.Kind, e.Errno)
		}
	case KindState:
		if e.Errno != 0 || !tcpState(e.OldState) || !tcpState(e.NewState) {
			return fmt.Errorf("state change %d -> %d, errno %d", e.OldState, e.NewState, e.Errno)
		}
	default:
		return fmt.Errorf("unknown kind %d", e.Kind)
	}
	return nil
}

// tcpState: the kernel's TCP states run from ESTABLISHED (1) to
// BOUND_INACTIVE (13).
func tcpState(s model.State) bool {
	return s >= model.StateEstablished && s <= model.StateBoundInactive
}

func addr(f model.Family, b []byte) netip.Addr {
	if f == model.FamilyInet {
		return netip.AddrFrom4([4]byte(b[:4]))
	}
	return netip.AddrFrom16([16]byte(b[:16]))
}

func decodeError(b []byte, why string) error {
	q, more := b, ""
	if len(q) > quoteMax {
		q, more = q[:quoteMax], fmt.Sprintf(" (and %d more bytes)", len(b)-quoteMax)
	}
	return fmt.Errorf("%w: %s: % x%s", ErrDecode, why, q, more)
}
