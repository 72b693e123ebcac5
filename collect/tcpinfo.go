package collect

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/mdlayher/netlink"

	"github.com/conntab/conntab/model"
)

// inet_diag attributes (enum in linux/inet_diag.h) and the idiag_ext bits
// that ask for them.
const (
	inetDiagInfo = 2 // INET_DIAG_INFO: struct tcp_info
	inetDiagCong = 4 // INET_DIAG_CONG: the congestion control's name
)

// tcpInfoMinLen is the shortest struct tcp_info decoded: the fields every
// kernel since 2.6.2 sends, up to tcpi_total_retrans. Later kernels append
// fields; what a shorter struct lacks reads zero.
const tcpInfoMinLen = 104

var errTCPInfoShort = errors.New("tcp_info truncated")

// littleEndian says how the kernel lays out bitfields: the first one in
// the low bits on little-endian machines, in the high bits on big-endian.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// tcpInfoBytes reads struct tcp_info fields at their offsets; a field the
// struct is too short to hold reads zero.
type tcpInfoBytes []byte

func (b tcpInfoBytes) u32(off int) uint32 {
	if off+4 > len(b) {
		return 0
	}
	return binary.NativeEndian.Uint32(b[off:])
}

func (b tcpInfoBytes) u64(off int) uint64 {
	if off+8 > len(b) {
		return 0
	}
	return binary.NativeEndian.Uint64(b[off:])
}

func micros(v uint32) time.Duration { return time.Duration(v) * time.Microsecond }
func millis(v uint32) time.Duration { return time.Duration(v) * time.Millisecond }

// micros64 converts a 64-bit count of microseconds, which overflows a
// Duration past 292 years: no kernel sends that, so it is an error.
func micros64(name string, v uint64) (time.Duration, error) {
	if v > math.MaxInt64/uint64(time.Microsecond) {
		return 0, fmt.Errorf("%s %d µs out of range", name, v)
	}
	return time.Duration(v) * time.Microsecond, nil
}

// decodeTCPInfo decodes a struct tcp_info (linux/tcp.h, the payload of
// INET_DIAG_INFO) in the machine's byte order. Older kernels send a
// shorter struct: the fields it holds are decoded and the others left
// zero; fewer than tcpInfoMinLen bytes is an error. Bytes past the fields
// known here (a newer kernel's) are ignored. Congestion is not in the
// struct and is left "".
//
//	0 state, 1 ca_state, 2 retransmits, 3 probes, 4 backoff, 5 options,
//	6 snd_wscale:4 rcv_wscale:4, 7 delivery_rate_app_limited:1 ...,
//	8 rto, 12 ato, 16 snd_mss, 20 rcv_mss, 24 unacked, 28 sacked, 32 lost,
//	36 retrans, 40 fackets, 44 last_data_sent, 48 last_ack_sent,
//	52 last_data_recv, 56 last_ack_recv, 60 pmtu, 64 rcv_ssthresh, 68 rtt,
//	72 rttvar, 76 snd_ssthresh, 80 snd_cwnd, 84 advmss, 88 reordering,
//	92 rcv_rtt, 96 rcv_space, 100 total_retrans, [104: end before 3.15]
//	104 pacing_rate (u64), 112 max_pacing_rate (u64), [120]
//	120 bytes_acked (u64), 128 bytes_received (u64), [136: 4.1]
//	136 segs_out, 140 segs_in, [144: 4.2]
//	144 notsent_bytes, 148 min_rtt, 152 data_segs_in, 156 data_segs_out, [160: 4.6]
//	160 delivery_rate (u64), [168: 4.9]
//	168 busy_time, 176 rwnd_limited, 184 sndbuf_limited (u64 µs), [192: 4.10]
//	192 delivered, 196 delivered_ce, [200: 4.18]
//	200 bytes_sent (u64), 208 bytes_retrans (u64), 216 dsack_dups,
//	220 reord_seen, [224: 4.19] 224 rcv_ooopack, 228 snd_wnd, [232: 5.x]
//	232 rcv_wnd, 236 rehash, [240: 6.x] 240 total_rto (u16),
//	242 total_rto_recoveries (u16), 244 total_rto_time, [248: 6.7] ...
//
// Every field is 4-byte aligned and every u64 8-byte aligned, so the
// offsets are the same on 32-bit machines.
func decodeTCPInfo(raw []byte) (model.TCPInfo, error) {
	if len(raw) < tcpInfoMinLen {
		return model.TCPInfo{}, fmt.Errorf("%w: %d bytes, want at least %d", errTCPInfoShort, len(raw), tcpInfoMinLen)
	}
	b := tcpInfoBytes(raw)
	snd, rcv := raw[6]&0x0f, raw[6]>>4
	appLimited := raw[7]&0x01 != 0
	if !littleEndian {
		snd, rcv = raw[6]>>4, raw[6]&0x0f
		appLimited = raw[7]&0x80 != 0
	}
	info := model.TCPInfo{
		State:       model.State(raw[0]),
		CAState:     model.CAState(raw[1]),
		Retransmits: raw[2],
		Options:     model.TCPOptions(raw[5]),
		SndWScale:   snd,
		RcvWScale:   rcv,
		// The bit is there from 4.9; before, the byte was padding, zero.
		AppLimited: appLimited,

		RTO:          micros(b.u32(8)),
		SndMSS:       b.u32(16),
		RcvMSS:       b.u32(20),
		Unacked:      b.u32(24),
		Lost:         b.u32(32),
		Retrans:      b.u32(36),
		LastDataSent: millis(b.u32(44)),
		LastDataRecv: millis(b.u32(52)),
		LastAckRecv:  millis(b.u32(56)),
		PMTU:         b.u32(60),
		RTT:          micros(b.u32(68)),
		RTTVar:       micros(b.u32(72)),
		SndSsthresh:  b.u32(76),
		SndCwnd:      b.u32(80),
		RcvRTT:       micros(b.u32(92)),
		TotalRetrans: b.u32(100),

		PacingRate:    b.u64(104),
		BytesAcked:    b.u64(120),
		BytesReceived: b.u64(128),
		SegsOut:       b.u32(136),
		SegsIn:        b.u32(140),
		NotSentBytes:  b.u32(144),
		MinRTT:        micros(b.u32(148)),
		DeliveryRate:  b.u64(160),
		BytesSent:     b.u64(200),
		BytesRetrans:  b.u64(208),
		SndWnd:        b.u32(228),
		RcvWnd:        b.u32(232),
	}
	var err error
	if info.BusyTime, err = micros64("busy_time", b.u64(168)); err != nil {
		return model.TCPInfo{}, err
	}
	if info.RwndLimited, err = micros64("rwnd_limited", b.u64(176)); err != nil {
		return model.TCPInfo{}, err
	}
	if info.SndbufLimited, err = micros64("sndbuf_limited", b.u64(184)); err != nil {
		return model.TCPInfo{}, err
	}
	return info, nil
}

// tcpInfoRequest encodes the struct inet_diag_req_v2 that asks for the
// tcp_info and congestion control of the one socket s. The kernel looks
// it up by its addresses and ports and then checks its cookie, so that a
// newer socket on the same addresses is not taken for it.
//
// A dual-stack socket talking IPv4 is stored with its addresses unmapped
// but lives in the IPv6 family: its addresses are mapped again, which is
// how the kernel finds it.
func tcpInfoRequest(s *model.Socket) ([]byte, error) {
	local, remote := s.Local.Addr(), s.Remote.Addr()
	if !local.IsValid() || !remote.IsValid() {
		return nil, fmt.Errorf("tcp_info for %s: no address to ask for", tcpInfoName(s))
	}
	b := make([]byte, inetDiagReqV2Len)
	b[0] = byte(s.Family)
	b[1] = byte(model.ProtoTCP)
	b[2] = 1<<(inetDiagInfo-1) | 1<<(inetDiagCong-1)
	// idiag_states: a lookup of one socket does not filter by state.
	binary.NativeEndian.PutUint32(b[4:], ^uint32(0))
	binary.BigEndian.PutUint16(b[8:], s.Local.Port())
	binary.BigEndian.PutUint16(b[10:], s.Remote.Port())
	switch s.Family {
	case model.FamilyInet:
		if !local.Is4() || !remote.Is4() {
			return nil, fmt.Errorf("tcp_info for %s: an IPv6 address in the IPv4 family", tcpInfoName(s))
		}
		l, r := local.As4(), remote.As4()
		copy(b[12:], l[:])
		copy(b[28:], r[:])
	case model.FamilyInet6:
		// As16 maps an IPv4 address back to ::ffff:a.b.c.d.
		l, r := local.As16(), remote.As16()
		copy(b[12:], l[:])
		copy(b[28:], r[:])
	default:
		return nil, fmt.Errorf("tcp_info for %s: %w %d", tcpInfoName(s), errFamily, s.Family)
	}
	// idiag_if (44) stays 0: any interface.
	cookie := s.Cookie
	if cookie == 0 {
		// The /proc source has no cookies: INET_DIAG_NOCOOKIE skips the check.
		cookie = math.MaxUint64
	}
	binary.NativeEndian.PutUint32(b[48:], uint32(cookie))
	binary.NativeEndian.PutUint32(b[52:], uint32(cookie>>32))
	return b, nil
}

// decodeTCPInfoReply decodes the kernel's answer to tcpInfoRequest for
// the socket called name: a struct inet_diag_msg followed by attributes.
// A reply without INET_DIAG_INFO (TIME_WAIT and SYN_RECV sockets have
// none) is ErrNoInfo; one that does not decode is ErrDecode.
func decodeTCPInfoReply(b []byte, name string) (model.TCPInfo, error) {
	var s model.Socket
	if err := decodeInetDiag(b, model.ProtoTCP, &s); err != nil {
		return model.TCPInfo{}, fmt.Errorf("%w: tcp_info reply for %s: %w", ErrDecode, name, err)
	}
	ad, err := netlink.NewAttributeDecoder(b[inetDiagMsgLen:])
	if err != nil {
		return model.TCPInfo{}, fmt.Errorf("%w: tcp_info reply for %s: %w", ErrDecode, name, err)
	}
	var raw []byte
	var cong string
	for ad.Next() {
		switch ad.Type() {
		case inetDiagInfo:
			raw = ad.Bytes()
		case inetDiagCong:
			cong = ad.String()
		}
	}
	if err := ad.Err(); err != nil {
		return model.TCPInfo{}, fmt.Errorf("%w: tcp_info reply for %s: %w", ErrDecode, name, err)
	}
	if raw == nil {
		return model.TCPInfo{}, fmt.Errorf("%w: %s: the kernel keeps none for a %s socket", ErrNoInfo, name, s.State)
	}
	info, err := decodeTCPInfo(raw)
	if err != nil {
		return model.TCPInfo{}, fmt.Errorf("%w: tcp_info of %s: %w", ErrDecode, name, err)
	}
	info.Congestion = cong
	return info, nil
}

// tcpInfoName names a socket in errors: "tcp/inet 10.0.0.1:22 -> 10.0.0.2:50000".
func tcpInfoName(s *model.Socket) string {
	return fmt.Sprintf("%s/%s %s -> %s", s.Proto, s.Family, s.Local, s.Remote)
}
