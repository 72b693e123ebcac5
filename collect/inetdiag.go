package collect

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/conntab/conntab/model"
)

// sockDiagByFamily is SOCK_DIAG_BY_FAMILY (linux/sock_diag.h).
const sockDiagByFamily = 20

// tcpDiagGetSock is TCPDIAG_GETSOCK (linux/inet_diag.h), inet_diag's first
// request. The kernel answers it with the TCP sockets of both families in
// one walk of its tables (it sets the family to AF_UNSPEC), where
// SOCK_DIAG_BY_FAMILY needs a dump, and a walk, per family.
const tcpDiagGetSock = 18

// Sizes of the fixed structs in linux/inet_diag.h.
const (
	inetDiagReqV2Len = 56 // struct inet_diag_req_v2
	inetDiagReqLen   = 60 // struct inet_diag_req, TCPDIAG_GETSOCK's
	inetDiagMsgLen   = 72 // struct inet_diag_msg
)

// inetDiagRequest encodes a struct inet_diag_req_v2 that dumps every socket
// of family and proto whose state is in the kernel bitmask states.
func inetDiagRequest(family model.Family, proto model.Proto, states uint32) []byte {
	b := make([]byte, inetDiagReqV2Len)
	b[0] = byte(family)
	b[1] = byte(proto)
	binary.NativeEndian.PutUint32(b[4:], states)
	// id.idiag_cookie = INET_DIAG_NOCOOKIE: no particular socket.
	binary.NativeEndian.PutUint32(b[48:], ^uint32(0))
	binary.NativeEndian.PutUint32(b[52:], ^uint32(0))
	return b
}

// tcpDiagRequest encodes a struct inet_diag_req that dumps every TCP
// socket, of both families, whose state is in the kernel bitmask states.
func tcpDiagRequest(states uint32) []byte {
	b := make([]byte, inetDiagReqLen)
	// id.idiag_cookie = INET_DIAG_NOCOOKIE, as above.
	binary.NativeEndian.PutUint32(b[44:], ^uint32(0))
	binary.NativeEndian.PutUint32(b[48:], ^uint32(0))
	binary.NativeEndian.PutUint32(b[52:], states)
	return b
}

// Decoding errors.
var (
	errShort       = errors.New("inet_diag_msg truncated")
	errFamily      = errors.New("unexpected address family")
	errState       = errors.New("unknown socket state")
	errUDPState    = errors.New("UDP socket in a TCP-only state")
	errMessageType = errors.New("unexpected netlink message type")
	errAttribute   = errors.New("malformed inet_diag attribute")
)

// inetDiagSKV6Only is INET_DIAG_SKV6ONLY, the reply attribute holding an
// IPv6 socket's IPV6_V6ONLY as one byte. inet_diag_msg_attrs_fill adds it
// unasked to every IPv6 socket in LISTEN or CLOSE.
const inetDiagSKV6Only = 11

// decodeInetDiag decodes the fixed part of one struct inet_diag_msg, the
// payload of a SOCK_DIAG_BY_FAMILY reply, into s. proto is the protocol the
// dump asked for; the message does not say. Of the attributes after the
// fixed part only INET_DIAG_SKV6ONLY is read, and only where the kernel
// sends it (IPv6 LISTEN and CLOSE sockets), so other sockets cost no walk.
//
//	0 family, 1 state, 2 timer, 3 retrans,
//	4 sport (be16), 6 dport (be16), 8 src[16], 24 dst[16], 40 if, 44 cookie[2],
//	52 expires (ms), 56 rqueue, 60 wqueue, 64 uid, 68 inode
func decodeInetDiag(b []byte, proto model.Proto, s *model.Socket) error {
	if len(b) < inetDiagMsgLen {
		return fmt.Errorf("%w: %d of %d bytes", errShort, len(b), inetDiagMsgLen)
	}
	family := model.Family(b[0])
	var src, dst netip.Addr
	switch family {
	case model.FamilyInet:
		src = netip.AddrFrom4([4]byte(b[8:12]))
		dst = netip.AddrFrom4([4]byte(b[24:28]))
	case model.FamilyInet6:
		src = netip.AddrFrom16([16]byte(b[8:24])).Unmap()
		dst = netip.AddrFrom16([16]byte(b[24:40])).Unmap()
	default:
		return fmt.Errorf("%w %d", errFamily, b[0])
	}
	state := model.State(b[1])
	if state < model.StateEstablished || state > model.StateBoundInactive {
		return fmt.Errorf("%w %d", errState, b[1])
	}
	switch proto {
	case model.ProtoTCP:
		// A TCP socket in CLOSE is in no hash the dump walks but the bind
		// table, which the kernel (6.8 and later) walks only for the
		// BOUND_INACTIVE request bit, reporting sk_state as it is.
		if state == model.StateClose {
			state = model.StateBoundInactive
		}
	case model.ProtoUDP:
		switch state {
		case model.StateClose:
			state = model.StateUnconn
		case model.StateEstablished:
		default:
			return fmt.Errorf("%w: %s", errUDPState, state)
		}
	}
	v6only := model.V6OnlyUnknown
	if family == model.FamilyInet6 && (state == model.StateListen || state == model.StateUnconn || state == model.StateBoundInactive) {
		var err error
		if v6only, err = decodeV6Only(b[inetDiagMsgLen:]); err != nil {
			return err
		}
	}
	ne := binary.NativeEndian
	*s = model.Socket{
		Local:  netip.AddrPortFrom(src, binary.BigEndian.Uint16(b[4:])),
		Remote: netip.AddrPortFrom(dst, binary.BigEndian.Uint16(b[6:])),
		Cookie: uint64(ne.Uint32(b[44:])) | uint64(ne.Uint32(b[48:]))<<32,
		Inode:  uint64(ne.Uint32(b[68:])),
		Timer: model.Timer{
			Kind:    model.TimerKind(b[2]),
			Retrans: b[3],
			Expires: time.Duration(ne.Uint32(b[52:])) * time.Millisecond,
		},
		RecvQ:  ne.Uint32(b[56:]),
		SendQ:  ne.Uint32(b[60:]),
		UID:    ne.Uint32(b[64:]),
		Proto:  proto,
		Family: family,
		State:  state,
		V6Only: v6only,
	}
	return nil
}

// decodeV6Only finds INET_DIAG_SKV6ONLY among the attributes in b (struct
// nlattr, each padded to 4 bytes). An attribute whose length runs past the
// message is an error, quoted with its offset in the message.
func decodeV6Only(b []byte) (model.V6Only, error) {
	ne := binary.NativeEndian
	for off := 0; len(b)-off >= 4; {
		n, typ := int(ne.Uint16(b[off:])), ne.Uint16(b[off+2:])&^0xc000 // NLA_TYPE_MASK
		if n < 4 || n > len(b)-off {
			return model.V6OnlyUnknown, fmt.Errorf("%w at byte %d: length %d, %d bytes left (% x)",
				errAttribute, inetDiagMsgLen+off, n, len(b)-off, b[off:off+4])
		}
		if typ == inetDiagSKV6Only {
			if n < 5 {
				return model.V6OnlyUnknown, fmt.Errorf("%w at byte %d: INET_DIAG_SKV6ONLY of %d bytes", errAttribute, inetDiagMsgLen+off, n-4)
			}
			if b[off+4] != 0 {
				return model.V6OnlyOn, nil
			}
			return model.V6OnlyOff, nil
		}
		off += (n + 3) &^ 3
	}
	return model.V6OnlyUnknown, nil
}

// dumpResult collects one or more dumps into one slice, keeping the
// newest copy of a socket the kernel reported twice.
//
// Dumps are not atomic. The kernel fills each reply by walking a hash
// bucket under its lock, and resumes the next reply (or the next chunk of
// 16 sockets) at a position within that bucket (inet_diag_dump_icsk); when
// sockets were added to the bucket in between, the ones before the
// position shift and a socket already sent comes again, sometimes as its
// TIME_WAIT successor with the same cookie. So a duplicate is always one of
// the sockets of the same or the previous reply, at most 372 of them each
// at 32 KiB: a window over the last 1024 to 2048 sockets finds every one,
// at a fraction of the cost of a map over the whole dump.
type dumpResult struct {
	sockets []model.Socket
	recent  recentCookies
	errs    []error
}

func newDumpResult(hint int) *dumpResult {
	return &dumpResult{sockets: make([]model.Socket, 0, hint)}
}

func (r *dumpResult) add(s *model.Socket) {
	if s.Cookie != 0 {
		if i, dup := r.recent.find(s.Cookie); dup {
			r.sockets[i] = *s
			return
		}
		r.recent.add(s.Cookie, int32(len(r.sockets)))
	}
	r.sockets = append(r.sockets, *s)
}

// recentCookies maps the cookies of the most recent sockets to their
// index in the result. It holds two generations of up to genSize cookies
// each; when the current one is full, the older is cleared and reused.
type recentCookies struct {
	gen [2]cookieTable
	cur int
}

const (
	genSize   = 1024
	tableSize = 2 * genSize // open addressing, half full at most
)

type cookieTable struct {
	n     int
	slots [tableSize]cookieSlot
}

type cookieSlot struct {
	cookie uint64
	index  int32 // index+1 in the result; 0 marks an empty slot
}

// slot is where cookie's probe sequence starts.
func slot(cookie uint64) int {
	return int((cookie * 0x9e3779b97f4a7c15) >> (64 - 11)) // 11 bits: tableSize
}

func (t *cookieTable) find(cookie uint64) (int32, bool) {
	for i := slot(cookie); ; i = (i + 1) % tableSize {
		switch e := &t.slots[i]; {
		case e.index == 0:
			return 0, false
		case e.cookie == cookie:
			return e.index - 1, true
		}
	}
}

func (t *cookieTable) add(cookie uint64, index int32) {
	for i := slot(cookie); ; i = (i + 1) % tableSize {
		if e := &t.slots[i]; e.index == 0 {
			*e = cookieSlot{cookie: cookie, index: index + 1}
			t.n++
			return
		}
	}
}

// find looks cookie up. A cookie found only in the older generation is
// carried into the current one: the kernel may send the same socket again
// in the next reply too, long after its first copy left the window.
func (rc *recentCookies) find(cookie uint64) (int32, bool) {
	if i, ok := rc.gen[rc.cur].find(cookie); ok {
		return i, true
	}
	i, ok := rc.gen[1-rc.cur].find(cookie)
	if ok {
		rc.add(cookie, i)
	}
	return i, ok
}

func (rc *recentCookies) add(cookie uint64, index int32) {
	if rc.gen[rc.cur].n == genSize {
		rc.cur = 1 - rc.cur
		rc.gen[rc.cur] = cookieTable{}
	}
	rc.gen[rc.cur].add(cookie, index)
}

// maxDecodeErrors bounds how many decoding errors one snapshot reports.
const maxDecodeErrors = 10

func (r *dumpResult) fail(err error) {
	r.errs = append(r.errs, err)
}

func (r *dumpResult) stopped() error { return nil }

func (r *dumpResult) err() error {
	if len(r.errs) <= maxDecodeErrors {
		return errors.Join(r.errs...)
	}
	errs := append(r.errs[:maxDecodeErrors:maxDecodeErrors], fmt.Errorf("and %d more decoding errors", len(r.errs)-maxDecodeErrors))
	return errors.Join(errs...)
}

func nlmsgAlign(n int) int { return (n + 3) &^ 3 }
