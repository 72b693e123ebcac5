package collect

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/conntab/conntab/model"
)

// destroyDir holds the recorded destroy messages.
const destroyDir = "../testdata/destroy"

// destroySeeds are the recorded destroy messages (TestKernelDestroys
// -record-destroy).
func destroySeeds(t testing.TB) map[string][]byte {
	files, err := filepath.Glob(filepath.Join(destroyDir, "*.bin"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no seeds in %s: %v", destroyDir, err)
	}
	seeds := make(map[string][]byte)
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		seeds[filepath.Base(name)] = b
	}
	return seeds
}

// TestDecodeDestroyRecorded: every recorded message decodes; TCP ones in
// CLOSE with tcp_info, UDP ones without.
func TestDecodeDestroyRecorded(t *testing.T) {
	for name, b := range destroySeeds(t) {
		s, info, err := decodeDestroy(b)
		switch {
		case err != nil:
			t.Errorf("%s: %v", name, err)
		case s.Proto == model.ProtoTCP && (s.State != model.StateClose || info == nil):
			t.Errorf("%s: TCP in %s, tcp_info %v; want CLOSE with tcp_info", name, s.State, info != nil)
		case s.Proto == model.ProtoUDP && info != nil:
			t.Errorf("%s: UDP with tcp_info", name)
		case s.Cookie == 0 || !s.Local.IsValid():
			t.Errorf("%s: no cookie or address: %+v", name, s)
		}
	}
}

// TestDecodeDestroyErrors: what a destroy message must hold.
func TestDecodeDestroyErrors(t *testing.T) {
	tcp := destroySeeds(t)["tcp4-0.bin"]
	if tcp == nil {
		t.Fatal("no tcp4-0.bin")
	}
	noProto := append([]byte(nil), tcp[:inetDiagMsgLen]...)
	badProto := append(append([]byte(nil), tcp[:inetDiagMsgLen]...), 5, 0, inetDiagProtocol, 0, 1, 0, 0, 0)
	for name, b := range map[string][]byte{
		"short":          tcp[:inetDiagMsgLen-1],
		"no protocol":    noProto,
		"protocol 1":     badProto,
		"cut attributes": tcp[:len(tcp)-3],
	} {
		if _, _, err := decodeDestroy(b); !errors.Is(err, errDestroy) {
			t.Errorf("%s: %v, want errDestroy", name, err)
		}
	}
}

// FuzzDecodeDestroy: decodeDestroy never panics, fails only with
// errDestroy, and what it accepts agrees with the dump's decoder on the
// fixed part: TCP or UDP, a family, tcp_info for TCP alone.
func FuzzDecodeDestroy(f *testing.F) {
	for _, b := range destroySeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, info, err := decodeDestroy(b)
		if err != nil {
			if !errors.Is(err, errDestroy) {
				t.Fatalf("error %v is not errDestroy", err)
			}
			return
		}
		if s.Proto != model.ProtoTCP && s.Proto != model.ProtoUDP || info != nil && s.Proto != model.ProtoTCP {
			t.Fatalf("accepted %s with tcp_info %v", s.Proto, info != nil)
		}
		var fixed model.Socket
		if err := decodeInetDiag(b, s.Proto, &fixed); err != nil {
			t.Fatalf("accepted what decodeInetDiag refuses: %v", err)
		}
		if fixed.Local != s.Local || fixed.Remote != s.Remote || fixed.Cookie != s.Cookie || fixed.Family != s.Family {
			t.Fatalf("fixed part %+v, decoded %+v", fixed, s)
		}
	})
}
