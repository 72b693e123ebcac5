package collect

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/netlink"

	"github.com/conntab/conntab/model"
)

// tcpinfoDir holds replies recorded from a real kernel (see
// TestRecordTCPInfo) and what ss printed for the same sockets.
const tcpinfoDir = "testdata/tcpinfo"

// Lengths struct tcp_info has had (the release that last grew it): each
// one a kernel may send.
var tcpInfoLens = []int{
	104, // 2.6.2: up to total_retrans
	120, // 3.15: pacing rates
	136, // 4.1: bytes_acked, bytes_received
	144, // 4.2: segs_out, segs_in
	160, // 4.6: notsent_bytes, min_rtt, data_segs
	168, // 4.9: delivery_rate
	192, // 4.10: busy, rwnd_limited, sndbuf_limited
	200, // 4.18: delivered, delivered_ce
	224, // 4.19: bytes_sent, bytes_retrans, dsack_dups, reord_seen
	232, // 5.x: rcv_ooopack, snd_wnd
	240, // 6.x: rcv_wnd, rehash
	248, // 6.7: total_rto, total_rto_recoveries, total_rto_time
	280, // the AccECN counters: what 6.18 sends
}

// synthTCPInfo writes a struct tcp_info of the 6.7 layout (248 bytes,
// include/uapi/linux/tcp.h), each field holding its own value, and the
// TCPInfo it decodes to. The offsets are written out here from the header,
// not taken from the decoder.
func synthTCPInfo() ([]byte, model.TCPInfo) {
	b := make([]byte, 248)
	ne := binary.NativeEndian
	b[0] = 1             // state: ESTABLISHED
	b[1] = 3             // ca_state: recovery
	b[2] = 2             // retransmits
	b[3] = 4             // probes
	b[4] = 5             // backoff
	b[5] = 0x07          // options: ts, sack, wscale
	b[6], b[7] = 0x97, 1 // snd_wscale 7, rcv_wscale 9; app_limited
	if ne.Uint16([]byte{1, 0}) != 1 {
		b[6], b[7] = 0x79, 0x80 // big-endian bitfields fill from the top
	}
	for off, v := range map[int]uint32{
		8: 204_000, 12: 40_000, 16: 1448, 20: 536, // rto µs, ato µs, snd_mss, rcv_mss
		24: 11, 28: 12, 32: 13, 36: 14, 40: 15, // unacked, sacked, lost, retrans, fackets
		44: 1_001, 48: 1_002, 52: 1_003, 56: 1_004, // last data sent, ack sent, data recv, ack recv (ms)
		60: 1500, 64: 64_000, 68: 25_000, 72: 5_000, // pmtu, rcv_ssthresh, rtt µs, rttvar µs
		76: 20, 80: 30, 84: 1460, 88: 3, // snd_ssthresh, snd_cwnd, advmss, reordering
		92: 26_000, 96: 65_000, 100: 16, // rcv_rtt µs, rcv_space, total_retrans
		136: 500, 140: 600, // segs_out, segs_in
		144: 700, 148: 21_000, 152: 800, 156: 900, // notsent, min_rtt µs, data_segs_in, data_segs_out
		192: 1_100, 196: 1_200, // delivered, delivered_ce
		216: 1_300, 220: 1_400, // dsack_dups, reord_seen
		224: 1_500, 228: 1_600_000, 232: 1_700_000, 236: 1_800, // rcv_ooopack, snd_wnd, rcv_wnd, rehash
		244: 1_900, // total_rto_time; 240 and 242 are the u16 total_rto and total_rto_recoveries
	} {
		ne.PutUint32(b[off:], v)
	}
	ne.PutUint16(b[240:], 17)
	ne.PutUint16(b[242:], 18)
	for off, v := range map[int]uint64{
		104: 12_500_000, 112: math.MaxUint64, // pacing_rate, max_pacing_rate
		120: 1 << 33, 128: 1<<34 + 5, // bytes_acked, bytes_received
		160: 9_000_000,                        // delivery_rate
		168: 3_000_000, 176: 400_000, 184: 50, // busy, rwnd_limited, sndbuf_limited (µs)
		200: 1<<33 + 100, 208: 99, // bytes_sent, bytes_retrans
	} {
		ne.PutUint64(b[off:], v)
	}
	want := model.TCPInfo{
		State: model.StateEstablished, CAState: model.CARecovery, Retransmits: 2,
		Options:   model.TCPOptTimestamps | model.TCPOptSACK | model.TCPOptWindowScale,
		SndWScale: 7, RcvWScale: 9, AppLimited: true,
		RTO: 204 * time.Millisecond, SndMSS: 1448, RcvMSS: 536,
		Unacked: 11, Lost: 13, Retrans: 14,
		LastDataSent: 1001 * time.Millisecond, LastDataRecv: 1003 * time.Millisecond, LastAckRecv: 1004 * time.Millisecond,
		PMTU: 1500, RTT: 25 * time.Millisecond, RTTVar: 5 * time.Millisecond,
		SndSsthresh: 20, SndCwnd: 30, RcvRTT: 26 * time.Millisecond, TotalRetrans: 16,
		PacingRate: 12_500_000, BytesAcked: 1 << 33, BytesReceived: 1<<34 + 5,
		SegsOut: 500, SegsIn: 600, NotSentBytes: 700, MinRTT: 21 * time.Millisecond,
		DeliveryRate: 9_000_000,
		BusyTime:     3 * time.Second, RwndLimited: 400 * time.Millisecond, SndbufLimited: 50 * time.Microsecond,
		BytesSent: 1<<33 + 100, BytesRetrans: 99,
		SndWnd: 1_600_000, RcvWnd: 1_700_000,
	}
	return b, want
}

// upTo is what a struct of n bytes leaves of full: the fields added by
// later kernels read zero.
func upTo(full model.TCPInfo, n int) model.TCPInfo {
	w := full
	if n < 120 {
		w.PacingRate = 0
	}
	if n < 136 {
		w.BytesAcked, w.BytesReceived = 0, 0
	}
	if n < 144 {
		w.SegsOut, w.SegsIn = 0, 0
	}
	if n < 160 {
		w.NotSentBytes, w.MinRTT = 0, 0
	}
	if n < 168 {
		w.DeliveryRate = 0
	}
	if n < 192 {
		w.BusyTime, w.RwndLimited, w.SndbufLimited = 0, 0, 0
	}
	if n < 224 {
		w.BytesSent, w.BytesRetrans = 0, 0
	}
	if n < 232 {
		w.SndWnd = 0
	}
	if n < 240 {
		w.RcvWnd = 0
	}
	return w
}

func TestDecodeTCPInfo(t *testing.T) {
	full, want := synthTCPInfo()
	type tc struct {
		name string
		b    []byte
		want model.TCPInfo
	}
	var cases []tc
	for _, n := range tcpInfoLens {
		// A newer kernel's longer struct: the fields known here are the same.
		b := append(slices.Clone(full), make([]byte, max(0, n-len(full)))...)[:n]
		cases = append(cases, tc{fmt.Sprintf("%d bytes", n), b, upTo(want, n)})
	}
	zero := make([]byte, 248)
	cases = append(cases, tc{"all zero", zero, model.TCPInfo{}})
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeTCPInfo(tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestDecodeTCPInfoErrors(t *testing.T) {
	full, _ := synthTCPInfo()
	huge := slices.Clone(full)
	binary.NativeEndian.PutUint64(huge[176:], 1<<62) // rwnd_limited: 146,000 years
	for _, tt := range []struct {
		name   string
		b      []byte
		target error
		quote  string
	}{
		{"empty", nil, errTCPInfoShort, "0 bytes"},
		{"one byte", full[:1], errTCPInfoShort, "1 bytes"},
		{"one short of the oldest struct", full[:103], errTCPInfoShort, "103 bytes"},
		{"a time no Duration holds", huge, nil, "rwnd_limited 4611686018427387904 µs"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeTCPInfo(tt.b)
			if err == nil || !strings.Contains(err.Error(), tt.quote) || (tt.target != nil && !errors.Is(err, tt.target)) {
				t.Fatalf("err = %v, want one quoting %q", err, tt.quote)
			}
			if got != (model.TCPInfo{}) {
				t.Errorf("with the error: %+v, want the zero TCPInfo", got)
			}
		})
	}
}

// checkPrefix fails t unless every field of part, decoded from a prefix
// of the struct whole was decoded from, is whole's value or zero: a short
// struct may lack a field, never misread one.
func checkPrefix(t *testing.T, whole, part model.TCPInfo, n int) {
	t.Helper()
	w, p := reflect.ValueOf(whole), reflect.ValueOf(part)
	for i := range w.NumField() {
		pf := p.Field(i)
		if !pf.IsZero() && !pf.Equal(w.Field(i)) {
			t.Errorf("%d bytes: %s = %v, the whole struct says %v", n, w.Type().Field(i).Name, pf, w.Field(i))
		}
	}
}

// recordedReply reads one recorded reply: the netlink message's payload.
func recordedReply(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(tcpinfoDir, name))
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := splitMessages(b)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("%s: %d messages, %v", name, len(msgs), err)
	}
	return msgs[0].Data
}

// infoPayload is a reply's INET_DIAG_INFO attribute, or nil.
func infoPayload(t testing.TB, reply []byte) []byte {
	t.Helper()
	ad, err := netlink.NewAttributeDecoder(reply[inetDiagMsgLen:])
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	for ad.Next() {
		if ad.Type() == inetDiagInfo {
			raw = ad.Bytes()
		}
	}
	if err := ad.Err(); err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestRecordedTCPInfo decodes the replies recorded from a real kernel and
// checks them against what ss printed for the same sockets then, and that
// every length an older kernel could have sent decodes to a part of them.
func TestRecordedTCPInfo(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(tcpinfoDir, "*.bin"))
	if len(files) == 0 {
		t.Fatal("no recordings in " + tcpinfoDir)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".bin")
		t.Run(name, func(t *testing.T) {
			reply := recordedReply(t, name+".bin")
			got, err := decodeTCPInfoReply(reply, name)
			ssText, ssErr := os.ReadFile(filepath.Join(tcpinfoDir, name+".ss"))
			if errors.Is(ssErr, os.ErrNotExist) {
				// ss printed no tcp_info for it: neither may we.
				if !errors.Is(err, ErrNoInfo) {
					t.Fatalf("err = %v, want ErrNoInfo", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			entries, err := parseSSTCPInfo(string(ssText))
			if err != nil || len(entries) != 1 {
				t.Fatalf("%s.ss: %d sockets, %v", name, len(entries), err)
			}
			if diff := cmp.Diff(entries[0].view(), ssView(got)); diff != "" {
				t.Errorf("(-ss +decoded)\n%s", diff)
			}
			raw := infoPayload(t, reply)
			for _, n := range tcpInfoLens {
				if n > len(raw) {
					break
				}
				part, err := decodeTCPInfo(raw[:n])
				if err != nil {
					t.Fatalf("%d bytes: %v", n, err)
				}
				got.Congestion = ""
				checkPrefix(t, got, part, n)
			}
		})
	}
}

// TestDecodeTCPInfoReply covers the replies the kernel sends for sockets
// without tcp_info, and broken ones.
func TestDecodeTCPInfoReply(t *testing.T) {
	full, want := synthTCPInfo()
	est := sampleSockets[1]
	msg := func(s model.Socket, attrs ...netlink.Attribute) []byte {
		b := encodeInetDiag(&s)
		if len(attrs) > 0 {
			a, err := netlink.MarshalAttributes(attrs)
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, a...)
		}
		return b
	}
	state := func(st model.State) model.Socket { s := est; s.State = st; return s }
	withCong := want
	withCong.Congestion = "cubic"
	for _, tt := range []struct {
		name   string
		reply  []byte
		want   model.TCPInfo
		target error
		quote  string
	}{
		{"info and congestion", msg(est, netlink.Attribute{Type: inetDiagInfo, Data: full}, netlink.Attribute{Type: inetDiagCong, Data: []byte("cubic\x00")}), withCong, nil, ""},
		{"info alone", msg(est, netlink.Attribute{Type: inetDiagInfo, Data: full}), want, nil, ""},
		{"TIME_WAIT", msg(state(model.StateTimeWait)), model.TCPInfo{}, ErrNoInfo, "TIME_WAIT"},
		{"SYN_RECV", msg(state(model.StateSynRecv)), model.TCPInfo{}, ErrNoInfo, "SYN_RECV"},
		{"info cut short", msg(est, netlink.Attribute{Type: inetDiagInfo, Data: full[:50]}), model.TCPInfo{}, ErrDecode, "50 bytes"},
		{"message cut short", msg(est)[:40], model.TCPInfo{}, ErrDecode, "40 of 72 bytes"},
		{"attribute cut short", append(msg(est), 8, 0, 2), model.TCPInfo{}, ErrDecode, "tcp_info reply for the socket"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeTCPInfoReply(tt.reply, "the socket")
			if tt.target == nil {
				if err != nil {
					t.Fatal(err)
				}
			} else if !errors.Is(err, tt.target) || !strings.Contains(err.Error(), tt.quote) || !strings.Contains(err.Error(), "the socket") {
				t.Fatalf("err = %v, want %v naming the socket and quoting %q", err, tt.target, tt.quote)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestTCPInfoRequest(t *testing.T) {
	// The layout of struct inet_diag_req_v2, written out: family, protocol,
	// ext (INFO and CONG), pad, states; id: sport, dport (big-endian),
	// src[16], dst[16], if, cookie[2].
	req := func(family byte, sport, dport uint16, src, dst []byte, cookie uint64) []byte {
		b := []byte{family, 6, 1<<1 | 1<<3, 0}
		b = binary.NativeEndian.AppendUint32(b, 0xffffffff)
		b = binary.BigEndian.AppendUint16(b, sport)
		b = binary.BigEndian.AppendUint16(b, dport)
		b = append(b, append(src, make([]byte, 16-len(src))...)...)
		b = append(b, append(dst, make([]byte, 16-len(dst))...)...)
		b = binary.NativeEndian.AppendUint32(b, 0)
		b = binary.NativeEndian.AppendUint32(b, uint32(cookie))
		return binary.NativeEndian.AppendUint32(b, uint32(cookie>>32))
	}
	lo4 := []byte{127, 0, 0, 1}
	mapped := []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1}
	lo6 := []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}
	sock := func(f model.Family, local, remote string, cookie uint64) model.Socket {
		return model.Socket{Proto: model.ProtoTCP, Family: f, State: model.StateEstablished, Local: ap(local), Remote: ap(remote), Cookie: cookie}
	}
	for _, tt := range []struct {
		name string
		s    model.Socket
		want []byte
	}{
		{"ipv4", sock(model.FamilyInet, "127.0.0.1:8001", "127.0.0.1:40000", 0x1_0000_0002), req(2, 8001, 40000, lo4, lo4, 0x1_0000_0002)},
		{"ipv6", sock(model.FamilyInet6, "[::1]:8002", "[::1]:40001", 7), req(10, 8002, 40001, lo6, lo6, 7)},
		{"v4-mapped, mapped again", sock(model.FamilyInet6, "127.0.0.1:8003", "127.0.0.1:40002", 8), req(10, 8003, 40002, mapped, mapped, 8)},
		{"listener", sock(model.FamilyInet6, "[::]:8003", "[::]:0", 9), req(10, 8003, 0, nil, nil, 9)},
		{"no cookie (from /proc)", sock(model.FamilyInet, "127.0.0.1:8001", "127.0.0.1:40000", 0), req(2, 8001, 40000, lo4, lo4, math.MaxUint64)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tcpInfoRequest(&tt.s)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
	for _, s := range []model.Socket{
		{Proto: model.ProtoTCP, Family: model.FamilyInet},
		sock(model.FamilyInet, "[::1]:1", "[::1]:2", 1),
		sock(0, "127.0.0.1:1", "127.0.0.1:2", 1),
	} {
		if _, err := tcpInfoRequest(&s); err == nil || !strings.Contains(err.Error(), s.Local.String()) {
			t.Errorf("%s: err = %v, want one naming the socket", tcpInfoName(&s), err)
		}
	}
}

// tcpInfoSeeds are the INET_DIAG_INFO payloads of the recorded replies.
func tcpInfoSeeds(t testing.TB) [][]byte {
	files, _ := filepath.Glob(filepath.Join(tcpinfoDir, "*.bin"))
	var out [][]byte
	for _, f := range files {
		if raw := infoPayload(t, recordedReply(t, filepath.Base(f))); raw != nil {
			out = append(out, raw)
		}
	}
	return out
}

// FuzzDecodeTCPInfo: the decoder never panics, fails only on a struct
// too short or a time out of range, and a prefix of a struct decodes to a
// part of what the whole decodes to, so that an older kernel's shorter
// struct is never misread; bytes a newer kernel appends change nothing.
func FuzzDecodeTCPInfo(f *testing.F) {
	full, _ := synthTCPInfo()
	f.Add(full)
	for _, b := range tcpInfoSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		whole, err := decodeTCPInfo(b)
		if err != nil {
			if !errors.Is(err, errTCPInfoShort) && !strings.Contains(err.Error(), "out of range") {
				t.Fatalf("%d bytes: unexpected error %v", len(b), err)
			}
			if errors.Is(err, errTCPInfoShort) != (len(b) < tcpInfoMinLen) {
				t.Fatalf("%d bytes: %v", len(b), err)
			}
			return
		}
		for n := tcpInfoMinLen; n < len(b); n++ {
			part, err := decodeTCPInfo(b[:n])
			if err != nil {
				t.Fatalf("%d of %d bytes: %v, though the whole decodes", n, len(b), err)
			}
			checkPrefix(t, whole, part, n)
		}
		// Bytes appended to a struct that holds every field known here are
		// a newer kernel's and change nothing; appended to a shorter one,
		// they may complete a field, and b is a prefix of the longer.
		longer, err := decodeTCPInfo(append(slices.Clone(b), make([]byte, 64)...))
		switch {
		case len(b) >= 248 && (err != nil || longer != whole):
			t.Fatalf("with 64 more bytes: %v, %+v; want %+v", err, longer, whole)
		case len(b) < 248 && err == nil:
			checkPrefix(t, longer, whole, len(b))
		}
	})
}

// ssTCPInfo is one socket as `ss -tinoenHa` prints it: its line, the
// cookie ss shows as sk:, and the tokens of its info line.
type ssTCPInfo struct {
	line, info string
	state      string
	cookie     uint64
	cong       string
	flags      map[string]bool
	vals       map[string]string
}

// ssOptions are the tcpi_options ss prints before the congestion control.
var ssOptions = []string{"ts", "sack", "ecn", "ecnseen", "fastopen"}

// parseSSTCPInfo reads the output of `ss -tinoenHa`: a line per socket
// (state first: -t alone prints no netid), each followed by an indented
// line of tcp_info when there is one.
func parseSSTCPInfo(out string) ([]ssTCPInfo, error) {
	var entries []ssTCPInfo
	for line := range strings.SplitSeq(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] == '\t' || line[0] == ' ' {
			if len(entries) == 0 {
				return nil, fmt.Errorf("ss: info line %q before any socket", line)
			}
			entries[len(entries)-1].parseInfo(strings.TrimSpace(line))
			continue
		}
		f := strings.Fields(line)
		e := ssTCPInfo{line: strings.TrimRight(line, " "), state: f[0]}
		for _, tok := range f {
			if v, ok := strings.CutPrefix(tok, "sk:"); ok {
				var err error
				if e.cookie, err = strconv.ParseUint(v, 16, 64); err != nil {
					return nil, fmt.Errorf("ss line %q: cookie: %v", line, err)
				}
			}
		}
		entries = append(entries, e)
	}
	return entries, nil
}

func (e *ssTCPInfo) parseInfo(info string) {
	e.info, e.flags, e.vals = info, map[string]bool{}, map[string]string{}
	toks := strings.Fields(info)
	i := 0
	for ; i < len(toks) && slices.Contains(ssOptions, toks[i]); i++ {
		e.flags[toks[i]] = true
	}
	if i < len(toks) && !strings.Contains(toks[i], ":") {
		e.cong = toks[i]
		i++
	}
	for ; i < len(toks); i++ {
		switch tok := toks[i]; tok {
		case "send", "pacing_rate", "delivery_rate":
			if i+1 < len(toks) {
				e.vals[tok] = toks[i+1]
				i++
			}
		default:
			if k, v, ok := strings.Cut(tok, ":"); ok {
				e.vals[k] = v
			} else {
				e.flags[tok] = true
			}
		}
	}
}

// The fields compared with ss. ss leaves out a field that is zero; both
// views write it "0".
var ssKeys = []string{"congestion", "options", "wscale", "rto", "rtt", "minrtt", "rcv_rtt", "mss", "rcvmss", "pmtu",
	"cwnd", "ssthresh", "snd_wnd", "unacked", "lost", "retrans", "bytes_sent", "bytes_retrans",
	"bytes_acked", "bytes_received", "notsent", "segs_out", "segs_in", "pacing_rate", "delivery_rate",
	"app_limited", "busy", "rwnd_limited", "sndbuf_limited"}

// view is what ss said, in the units TCPInfo keeps: milliseconds become
// microseconds, bits per second bytes per second.
func (e ssTCPInfo) view() map[string]string {
	v := map[string]string{}
	for _, k := range ssKeys {
		s, ok := e.vals[k]
		if !ok {
			s = "0"
		}
		v[k] = s
	}
	us := func(ms string) string {
		f, err := strconv.ParseFloat(ms, 64)
		if err != nil {
			return "unreadable " + ms
		}
		return strconv.FormatInt(int64(math.Round(f*1000)), 10)
	}
	bytesPerSec := func(bps string) string {
		f, err := strconv.ParseFloat(strings.TrimSuffix(bps, "bps"), 64)
		if err != nil {
			return "unreadable " + bps
		}
		return strconv.FormatUint(uint64(f)/8, 10)
	}
	var opts []string
	for _, o := range ssOptions {
		if e.flags[o] {
			opts = append(opts, o)
		}
	}
	v["congestion"] = e.cong
	v["options"] = strings.Join(opts, " ")
	v["wscale"] = e.vals["wscale"]
	v["rto"], v["minrtt"], v["rcv_rtt"] = us(v["rto"]), us(v["minrtt"]), us(v["rcv_rtt"])
	rtt, rttvar, _ := strings.Cut(v["rtt"], "/")
	if rttvar == "" {
		rttvar = "0"
	}
	v["rtt"] = us(rtt) + "/" + us(rttvar)
	if v["retrans"] == "0" {
		v["retrans"] = "0/0"
	}
	v["pacing_rate"], v["delivery_rate"] = bytesPerSec(v["pacing_rate"]), bytesPerSec(v["delivery_rate"])
	v["app_limited"] = strconv.FormatBool(e.flags["app_limited"])
	for _, k := range []string{"busy", "rwnd_limited", "sndbuf_limited"} {
		ms, _, _ := strings.Cut(v[k], "ms") // "12ms(3.4%)"
		v[k] = ms
	}
	return v
}

// ssView is what ss would print of info, in view's terms, following ss's
// rules for what it leaves out.
func ssView(in model.TCPInfo) map[string]string {
	u := func(x uint64) string { return strconv.FormatUint(x, 10) }
	us := func(d time.Duration) string { return strconv.FormatInt(d.Microseconds(), 10) }
	var opts []string
	for _, o := range []struct {
		opt  model.TCPOptions
		name string
	}{{model.TCPOptTimestamps, "ts"}, {model.TCPOptSACK, "sack"}, {model.TCPOptECN, "ecn"}, {model.TCPOptECNSeen, "ecnseen"}, {model.TCPOptSYNData, "fastopen"}} {
		if in.Options.Has(o.opt) {
			opts = append(opts, o.name)
		}
	}
	wscale := ""
	if in.Options.Has(model.TCPOptWindowScale) {
		wscale = fmt.Sprintf("%d,%d", in.SndWScale, in.RcvWScale)
	}
	rto := in.RTO
	if rto == 3*time.Second { // ss hides the kernel's fallback timeout
		rto = 0
	}
	ssthresh := in.SndSsthresh
	if ssthresh >= 0xffff { // ss hides an unset threshold
		ssthresh = 0
	}
	rate := func(r uint64) string {
		if r == model.RateUnlimited {
			return "0"
		}
		return u(r)
	}
	return map[string]string{
		"congestion": in.Congestion, "options": strings.Join(opts, " "), "wscale": wscale,
		"rto": us(rto), "rtt": us(in.RTT) + "/" + us(in.RTTVar), "minrtt": us(in.MinRTT), "rcv_rtt": us(in.RcvRTT),
		"mss": u(uint64(in.SndMSS)), "rcvmss": u(uint64(in.RcvMSS)), "pmtu": u(uint64(in.PMTU)),
		"cwnd": u(uint64(in.SndCwnd)), "ssthresh": u(uint64(ssthresh)), "snd_wnd": u(uint64(in.SndWnd)),
		"unacked": u(uint64(in.Unacked)), "lost": u(uint64(in.Lost)),
		"retrans":    fmt.Sprintf("%d/%d", in.Retrans, in.TotalRetrans),
		"bytes_sent": u(in.BytesSent), "bytes_retrans": u(in.BytesRetrans),
		"bytes_acked": u(in.BytesAcked), "bytes_received": u(in.BytesReceived),
		"notsent": u(uint64(in.NotSentBytes)), "segs_out": u(uint64(in.SegsOut)), "segs_in": u(uint64(in.SegsIn)),
		"pacing_rate": rate(in.PacingRate), "delivery_rate": rate(in.DeliveryRate),
		"app_limited":    strconv.FormatBool(in.AppLimited),
		"busy":           strconv.FormatInt(in.BusyTime.Milliseconds(), 10),
		"rwnd_limited":   strconv.FormatInt(in.RwndLimited.Milliseconds(), 10),
		"sndbuf_limited": strconv.FormatInt(in.SndbufLimited.Milliseconds(), 10),
	}
}
