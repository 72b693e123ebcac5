package collect

import (
	"context"
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"

	"github.com/conntab/conntab/model"
)

// encodeInetDiag is decodeInetDiag's inverse, for tests: it writes s as the
// kernel would, IPv4 addresses of an IPv6 socket as v4-mapped ones.
func encodeInetDiag(s *model.Socket) []byte {
	b := make([]byte, inetDiagMsgLen)
	b[0] = byte(s.Family)
	state := s.State
	if state == model.StateUnconn || state == model.StateBoundInactive {
		state = model.StateClose // as the kernel says it
	}
	b[1] = byte(state)
	b[2] = byte(s.Timer.Kind)
	b[3] = s.Timer.Retrans
	binary.BigEndian.PutUint16(b[4:], s.Local.Port())
	binary.BigEndian.PutUint16(b[6:], s.Remote.Port())
	putAddr := func(dst []byte, a netip.Addr) {
		if s.Family == model.FamilyInet {
			a4 := a.As4()
			copy(dst, a4[:])
			return
		}
		a16 := a.As16()
		copy(dst, a16[:])
	}
	putAddr(b[8:24], s.Local.Addr())
	putAddr(b[24:40], s.Remote.Addr())
	ne := binary.NativeEndian
	ne.PutUint32(b[44:], uint32(s.Cookie))
	ne.PutUint32(b[48:], uint32(s.Cookie>>32))
	ne.PutUint32(b[52:], uint32(s.Timer.Expires/time.Millisecond))
	ne.PutUint32(b[56:], s.RecvQ)
	ne.PutUint32(b[60:], s.SendQ)
	ne.PutUint32(b[64:], s.UID)
	ne.PutUint32(b[68:], uint32(s.Inode))
	if s.V6Only != model.V6OnlyUnknown {
		v := byte(0)
		if s.V6Only == model.V6OnlyOn {
			v = 1
		}
		b = append(b, 5, 0, inetDiagSKV6Only, 0, v, 0, 0, 0) // nla_put_u8, padded
	}
	return b
}

var socketCmp = cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// sampleSockets covers each shape the decoder meets.
var sampleSockets = []model.Socket{
	{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateListen,
		Local: ap("0.0.0.0:22"), Remote: ap("0.0.0.0:0"), RecvQ: 3, SendQ: 128, Inode: 4711, Cookie: 1},
	{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateEstablished,
		Local: ap("10.1.2.3:40000"), Remote: ap("10.9.8.7:5432"), RecvQ: 10, SendQ: 20, UID: 1000, Inode: 99,
		Cookie: 0x1_0000_0002, Timer: model.Timer{Kind: model.TimerKeepalive, Expires: 7200 * time.Second, Retrans: 1}},
	{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateTimeWait,
		Local: ap("127.0.0.1:40001"), Remote: ap("127.0.0.1:8080"), Cookie: 3,
		Timer: model.Timer{Kind: model.TimerTimewait, Expires: 59_123 * time.Millisecond}},
	{Proto: model.ProtoTCP, Family: model.FamilyInet6, State: model.StateListen,
		Local: ap("[::]:443"), Remote: ap("[::]:0"), SendQ: 4096, Inode: 5, Cookie: 4, V6Only: model.V6OnlyOff},
	{Proto: model.ProtoTCP, Family: model.FamilyInet6, State: model.StateListen,
		Local: ap("[::]:8443"), Remote: ap("[::]:0"), SendQ: 128, Inode: 10, Cookie: 9, V6Only: model.V6OnlyOn},
	{Proto: model.ProtoTCP, Family: model.FamilyInet6, State: model.StateBoundInactive,
		Local: ap("[::]:9000"), Remote: ap("[::]:0"), Inode: 11, Cookie: 10, V6Only: model.V6OnlyOn},
	{Proto: model.ProtoUDP, Family: model.FamilyInet6, State: model.StateUnconn,
		Local: ap("[::]:5353"), Remote: ap("[::]:0"), Inode: 12, Cookie: 11, V6Only: model.V6OnlyOff},
	{Proto: model.ProtoTCP, Family: model.FamilyInet6, State: model.StateEstablished,
		Local: ap("127.0.0.1:443"), Remote: ap("127.0.0.1:51000"), Inode: 6, Cookie: 5}, // v4-mapped
	{Proto: model.ProtoTCP, Family: model.FamilyInet6, State: model.StateSynSent,
		Local: ap("[2001:db8::1]:41000"), Remote: ap("[2001:db8::2]:80"), Inode: 7, Cookie: 6,
		Timer: model.Timer{Kind: model.TimerOn, Expires: 800 * time.Millisecond, Retrans: 2}},
	{Proto: model.ProtoUDP, Family: model.FamilyInet, State: model.StateUnconn,
		Local: ap("0.0.0.0:53"), Remote: ap("0.0.0.0:0"), Inode: 8, Cookie: 7},
	{Proto: model.ProtoUDP, Family: model.FamilyInet6, State: model.StateEstablished,
		Local: ap("[::1]:5353"), Remote: ap("[::1]:9999"), RecvQ: 768, Inode: 9, Cookie: 8},
}

func TestDecodeInetDiagRoundTrip(t *testing.T) {
	for _, want := range sampleSockets {
		t.Run(want.Proto.String()+"/"+want.State.String()+"/"+want.Local.String(), func(t *testing.T) {
			var got model.Socket
			if err := decodeInetDiag(encodeInetDiag(&want), want.Proto, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, socketCmp); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestDecodeInetDiagErrors(t *testing.T) {
	good := encodeInetDiag(&sampleSockets[0])
	v6listen := sampleSockets[3]
	v6listen.V6Only = model.V6OnlyUnknown
	v6good := encodeInetDiag(&v6listen)
	with := func(i int, v byte) []byte {
		b := append([]byte(nil), good...)
		b[i] = v
		return b
	}
	tests := []struct {
		name  string
		b     []byte
		proto model.Proto
		want  error
	}{
		{"empty", nil, model.ProtoTCP, errShort},
		{"truncated", good[:inetDiagMsgLen-1], model.ProtoTCP, errShort},
		{"family", with(0, 3), model.ProtoTCP, errFamily},
		{"state zero", with(1, 0), model.ProtoTCP, errState},
		{"state too big", with(1, 14), model.ProtoTCP, errState},
		{"udp listening", good, model.ProtoUDP, errUDPState},
		{"attribute past the end", append(v6good[:len(v6good):len(v6good)], 200, 0, 1, 0), model.ProtoTCP, errAttribute},
		{"attribute shorter than its header", append(v6good[:len(v6good):len(v6good)], 2, 0, 1, 0), model.ProtoTCP, errAttribute},
		{"empty SKV6ONLY", append(v6good[:len(v6good):len(v6good)], 4, 0, inetDiagSKV6Only, 0), model.ProtoTCP, errAttribute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s model.Socket
			err := decodeInetDiag(tt.b, tt.proto, &s)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if s != (model.Socket{}) {
				t.Errorf("socket written on error: %+v", s)
			}
		})
	}
}

func TestInetDiagRequest(t *testing.T) {
	b := inetDiagRequest(model.FamilyInet6, model.ProtoUDP, 0x82)
	if len(b) != inetDiagReqV2Len || b[0] != 10 || b[1] != 17 || binary.NativeEndian.Uint32(b[4:]) != 0x82 {
		t.Fatalf("request = %x", b)
	}
}

// replies makes a multipart SOCK_DIAG_BY_FAMILY reply of payloads.
func replies(payloads ...[]byte) []netlink.Message {
	var msgs []netlink.Message
	for _, p := range payloads {
		msgs = append(msgs, netlink.Message{Header: netlink.Header{Type: sockDiagByFamily}, Data: p})
	}
	msgs = append(msgs, netlink.Message{})
	out, _ := nltest.Multipart(msgs)
	return out
}

func TestDumpInetDiag(t *testing.T) {
	est := sampleSockets[1]
	tw := est
	tw.State, tw.Inode, tw.Timer = model.StateTimeWait, 0, model.Timer{Kind: model.TimerTimewait, Expires: time.Minute}
	listen := sampleSockets[0]

	var gotReq []byte
	conn := nltest.Dial(nltest.CheckRequest(
		[]netlink.HeaderType{sockDiagByFamily},
		[]netlink.HeaderFlags{netlink.Request | netlink.Dump},
		func(req []netlink.Message) ([]netlink.Message, error) {
			gotReq = req[0].Data
			// est is seen again as TIME_WAIT (same cookie) after it closed;
			// one message is cut short.
			return replies(encodeInetDiag(&listen), encodeInetDiag(&est), encodeInetDiag(&est)[:40], encodeInetDiag(&tw)), nil
		}))
	defer conn.Close()

	r := newDumpResult(0)
	if err := dumpInetDiag(context.Background(), conn, dumpJob{proto: model.ProtoTCP, family: model.FamilyInet, mask: 0xfff}, r); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(inetDiagRequest(model.FamilyInet, model.ProtoTCP, 0xfff), gotReq); diff != "" {
		t.Errorf("request (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]model.Socket{listen, tw}, r.sockets, socketCmp); diff != "" {
		t.Errorf("sockets (-want +got)\n%s", diff)
	}
	err := r.err()
	var de *DecodeError
	if !errors.As(err, &de) || !errors.Is(err, ErrDecode) || !errors.Is(err, errShort) {
		t.Fatalf("err = %v, want a DecodeError for the short message", err)
	}
	// Two whole messages (16-byte header + 72) precede the short one.
	if want := int64(2 * (16 + inetDiagMsgLen)); de.Offset != want || de.Where != "netlink tcp/inet" {
		t.Errorf("error at %s offset %d, want netlink tcp/inet offset %d", de.Where, de.Offset, want)
	}
}

// sockdiagSeeds reads the payloads of the recorded dumps in
// testdata/sockdiag (see record_test.go).
func sockdiagSeeds(t testing.TB) [][]byte {
	files, _ := filepath.Glob("../testdata/sockdiag/*.bin")
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := splitMessages(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, m := range msgs {
			out = append(out, m.Data)
		}
	}
	return out
}

func FuzzDecodeInetDiag(f *testing.F) {
	for _, s := range sampleSockets {
		f.Add(encodeInetDiag(&s), uint8(s.Proto))
	}
	for _, b := range sockdiagSeeds(f) {
		f.Add(b, uint8(model.ProtoTCP))
	}
	f.Fuzz(func(t *testing.T, b []byte, p uint8) {
		proto := model.ProtoTCP
		if p&1 == 1 {
			proto = model.ProtoUDP
		}
		var s model.Socket
		if err := decodeInetDiag(b, proto, &s); err != nil {
			if s != (model.Socket{}) {
				t.Fatalf("socket written on error %v", err)
			}
			return
		}
		if s.Family != model.FamilyInet && s.Family != model.FamilyInet6 {
			t.Fatalf("family %d", s.Family)
		}
		if s.Proto == model.ProtoUDP && s.State != model.StateUnconn && s.State != model.StateEstablished {
			t.Fatalf("UDP state %s", s.State)
		}
		if s.V6Only != model.V6OnlyUnknown && (s.Family != model.FamilyInet6 ||
			(s.State != model.StateListen && s.State != model.StateUnconn && s.State != model.StateBoundInactive)) {
			t.Fatalf("V6Only %d on %s/%s %s", s.V6Only, s.Family, s.Proto, s.State)
		}
		if s.Family == model.FamilyInet && !(s.Local.Addr().Is4() && s.Remote.Addr().Is4()) {
			t.Fatalf("inet socket with %s %s", s.Local, s.Remote)
		}
		// Round trip: what we decoded encodes to a message that decodes the same.
		var again model.Socket
		if err := decodeInetDiag(encodeInetDiag(&s), proto, &again); err != nil || again != s {
			t.Fatalf("round trip: %+v -> %+v (%v)", s, again, err)
		}
	})
}
