package bpfevents

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

// seeds are the records of testdata/events.bin, captured from the kernel
// tests (CONNTAB_BPFEVENTS_TESTDATA=1 appends to it; keep one record of
// each kind and state change).
func seeds(t testing.TB) [][]byte {
	b, err := os.ReadFile(filepath.Join("testdata", "events.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 || len(b)%recordLen != 0 {
		t.Fatalf("testdata/events.bin: %d bytes, not whole records", len(b))
	}
	var out [][]byte
	for off := 0; off < len(b); off += recordLen {
		out = append(out, b[off:off+recordLen])
	}
	return out
}

// encode is Decode's inverse, for the fields a test sets.
func encode(e Event) []byte {
	b := make([]byte, recordLen)
	le := binary.LittleEndian
	le.PutUint64(b[0:], uint64(e.Mono))
	le.PutUint64(b[8:], e.Cookie)
	le.PutUint64(b[16:], e.Cgroup)
	le.PutUint64(b[24:], uint64(e.PortSearch))
	le.PutUint32(b[32:], e.PID)
	le.PutUint32(b[36:], e.TID)
	le.PutUint32(b[40:], e.NetNS)
	le.PutUint32(b[44:], uint32(e.Errno))
	b[48], b[49], b[50], b[51], b[52] = byte(e.Kind), byte(e.Family), byte(e.Proto), byte(e.OldState), byte(e.NewState)
	le.PutUint16(b[54:], e.Local.Port())
	le.PutUint16(b[56:], e.Remote.Port())
	for off, a := range map[int]netip.Addr{60: e.Local.Addr(), 76: e.Remote.Addr()} {
		if a.Is4() {
			v := a.As4()
			copy(b[off:], v[:])
		} else if a.IsValid() {
			v := a.As16()
			copy(b[off:], v[:])
		}
	}
	copy(b[92:108], e.Comm)
	return b
}

func TestDecodeSeeds(t *testing.T) {
	kinds := map[Kind]int{}
	for i, b := range seeds(t) {
		e, err := Decode(b)
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		kinds[e.Kind]++
		if e.Comm != "bpfevents.test" || e.Proto != model.ProtoTCP || e.Family != model.FamilyInet {
			t.Errorf("seed %d: %+v: want bpfevents.test's TCP over IPv4", i, e)
		}
		switch e.Kind {
		case KindConnectError:
			if e.Errno.String() != "EADDRNOTAVAIL" || e.Remote != netip.MustParseAddrPort("127.0.0.1:8002") {
				t.Errorf("seed %d: %+v", i, e)
			}
		case KindBindError:
			if e.Errno.String() != "EADDRINUSE" || e.Local != netip.MustParseAddrPort("127.0.0.1:8001") {
				t.Errorf("seed %d: %+v", i, e)
			}
		}
	}
	if kinds[KindConnectError] == 0 || kinds[KindBindError] == 0 || kinds[KindState] == 0 {
		t.Errorf("seeds hold %v; want every kind", kinds)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	for _, want := range []Event{{
		Kind: KindConnectError, Mono: 5 * time.Second, Cookie: 7, Cgroup: 9, PID: 100, TID: 101, Comm: "curl",
		NetNS: 4026531840, Proto: model.ProtoTCP, Family: model.FamilyInet6, Errno: 99,
		Local:      netip.MustParseAddrPort("[2001:db8::1]:0"),
		Remote:     netip.MustParseAddrPort("[2001:db8::2]:443"),
		PortSearch: 3 * time.Microsecond,
	}, {
		Kind: KindState, Mono: time.Millisecond, Cookie: 1, PID: 1, TID: 2, Comm: "exactly15bytes!",
		Proto: model.ProtoTCP, Family: model.FamilyInet, OldState: model.StateSynSent, NewState: model.StateEstablished,
		Local:  netip.MustParseAddrPort("10.0.0.1:40000"),
		Remote: netip.MustParseAddrPort("10.0.0.2:80"),
	}} {
		got, err := Decode(encode(want))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	good := Event{Kind: KindState, Family: model.FamilyInet, OldState: 1, NewState: 4,
		Local: netip.MustParseAddrPort("1.2.3.4:5"), Remote: netip.MustParseAddrPort("5.6.7.8:9")}
	mod := func(f func(*Event)) []byte { e := good; f(&e); return encode(e) }
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "0 bytes, want 112: "},
		{"truncated", encode(good)[:111], "111 bytes, want 112: 00 00"},
		{"long", append(encode(good), 1), "113 bytes, want 112"},
		{"huge", make([]byte, 1000), "1000 bytes, want 112: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 (and 872 more bytes)"},
		{"family", mod(func(e *Event) { e.Family = 1 }), "family 1"},
		{"kind", mod(func(e *Event) { e.Kind = 9 }), "unknown kind 9"},
		{"state", mod(func(e *Event) { e.NewState = 14 }), "state change 1 -> 14"},
		{"state errno", mod(func(e *Event) { e.Errno = 1 }), "errno 1"},
		{"no errno", mod(func(e *Event) { e.Kind = KindBindError }), "bind_error with errno 0"},
		{"errno range", mod(func(e *Event) { e.Kind = KindConnectError; e.Errno = 5000 }), "connect_error with errno 5000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.b)
			if !errors.Is(err, ErrDecode) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Decode: %v; want ErrDecode saying %q", err, tc.want)
			}
		})
	}
}

// FuzzDecode: any bytes decode or fail with ErrDecode, never panic; what
// decodes is a whole record of a known kind.
func FuzzDecode(f *testing.F) {
	for _, b := range seeds(f) {
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("error %v is not ErrDecode", err)
			}
			return
		}
		if len(b) != recordLen || e.Kind.String() == "" || strings.HasPrefix(e.Kind.String(), "kind(") {
			t.Fatalf("decoded %d bytes into %+v", len(b), e)
		}
		if e.Local.Addr().Is4() != (e.Family == model.FamilyInet) {
			t.Fatalf("family %v with address %v", e.Family, e.Local)
		}
	})
}
