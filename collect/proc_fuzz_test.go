package collect

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/conntab/conntab/model"
)

// Headers as the kernel prints them.
const (
	procHeaderTCP4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
	procHeaderTCP6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
	procHeaderUDP4 = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops"
	procHeaderUDP6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops"
)

// formatProcNet prints socks as the kernel prints /proc/net/{tcp,tcp6,udp,udp6}:
// full TCP lines with their five extra columns, IPv4 lines padded;
// the short tail (ref pointer) of timewait and request sockets; UDP lines
// with drops. It is parseProcNet's inverse, for tests.
func formatProcNet(socks []model.Socket, proto model.Proto, family model.Family) []byte {
	var b []byte
	switch {
	case proto == model.ProtoTCP && family == model.FamilyInet:
		b = fmt.Appendf(b, "%-149s\n", procHeaderTCP4)
	case proto == model.ProtoTCP:
		b = fmt.Appendf(b, "%s\n", procHeaderTCP6)
	case family == model.FamilyInet:
		b = fmt.Appendf(b, "%-127s\n", procHeaderUDP4)
	default:
		b = fmt.Appendf(b, "%s\n", procHeaderUDP6)
	}
	for i := range socks {
		b = appendProcLine(b, i, &socks[i], proto, family)
	}
	return b
}

func appendProcLine(b []byte, sl int, s *model.Socket, proto model.Proto, family model.Family) []byte {
	start := len(b)
	st := uint8(s.State)
	if s.State == model.StateUnconn {
		st = uint8(model.StateClose)
	}
	if proto == model.ProtoUDP {
		b = fmt.Appendf(b, "%5d: ", sl)
	} else {
		b = fmt.Appendf(b, "%4d: ", sl)
	}
	b = appendProcAddr(b, s.Local, family)
	b = append(b, ' ')
	b = appendProcAddr(b, s.Remote, family)
	b = fmt.Appendf(b, " %02X %08X:%08X %02X:%08X %08X %5d %8d %d",
		st, s.SendQ, s.RecvQ, uint8(s.Timer.Kind), uint64(s.Timer.Expires/procTick),
		s.Timer.Retrans, s.UID, 0, s.Inode)
	switch {
	case proto == model.ProtoUDP:
		b = append(b, " 2 0000000000000000 0"...)
	case s.Inode == 0 && (s.State == model.StateSynRecv || s.Timer.Kind == model.TimerTimewait):
		b = append(b, " 3 0000000000000000"...) // get_openreq4, get_timewait4_sock
	default:
		b = append(b, " 2 0000000000000000 20 4 30 10 -1"...)
	}
	if family == model.FamilyInet { // seq_setwidth and seq_pad in tcp4_seq_show, udp4_seq_show
		width := 149
		if proto == model.ProtoUDP {
			width = 127
		}
		b = fmt.Appendf(b[:start], "%-*s", width, b[start:])
	}
	return append(b, '\n')
}

// appendProcAddr prints an address as host-order 32-bit words; an IPv4
// address of an inet6 socket goes back to its v4-mapped form.
func appendProcAddr(b []byte, ap netip.AddrPort, family model.Family) []byte {
	if family == model.FamilyInet {
		a := ap.Addr().As4()
		b = fmt.Appendf(b, "%08X", binary.NativeEndian.Uint32(a[:]))
	} else {
		a := ap.Addr().As16()
		for w := range 4 {
			b = fmt.Appendf(b, "%08X", binary.NativeEndian.Uint32(a[w*4:]))
		}
	}
	return fmt.Appendf(b, ":%04X", ap.Port())
}

// TestFormatProcNetMatchesKernel checks the test formatter against the
// captured files, so the round trip in the fuzz test means something.
func TestFormatProcNetMatchesKernel(t *testing.T) {
	for _, pf := range procFiles {
		t.Run(pf.name, func(t *testing.T) {
			kernel, err := os.ReadFile(procCapturedPath(pf.name))
			if err != nil {
				t.Fatal(err)
			}
			socks, err := parseProcNet(nil, bytes.NewReader(kernel), pf.name, pf.proto, pf.family, model.AllStateSet)
			if err != nil {
				t.Fatal(err)
			}
			ours := formatProcNet(socks, pf.proto, pf.family)
			// Compare column by column from local_address to the inode:
			// sl (a UDP hash bucket) and what follows the inode (ref,
			// pointer, congestion state) the parser ignores.
			kl, ol := bytes.Split(kernel, []byte("\n")), bytes.Split(ours, []byte("\n"))
			if len(kl) != len(ol) {
				t.Fatalf("%d lines formatted, kernel has %d", len(ol), len(kl))
			}
			for i := range kl {
				kf, of := bytes.Fields(kl[i]), bytes.Fields(ol[i])
				if len(kf) == 0 {
					continue
				}
				from, to := 1, min(len(kf), 10)
				if i == 0 {
					from, to = 0, len(kf)
				}
				if len(kf) != len(of) || len(kl[i]) != len(ol[i]) && proto4Padded(pf.proto, pf.family) ||
					!slices.EqualFunc(kf[from:to], of[from:to], bytes.Equal) {
					t.Errorf("line %d:\nkernel %s\nours   %s", i+1, kl[i], ol[i])
				}
			}
		})
	}
}

// proto4Padded reports whether the kernel pads lines of this file to a
// fixed width (seq_setwidth), which only tcp and udp do.
func proto4Padded(_ model.Proto, family model.Family) bool { return family == model.FamilyInet }

// procSeedFiles lists every fixture under testdata/proc.
func procSeedFiles(t testing.TB) map[string][]byte {
	t.Helper()
	seeds := map[string][]byte{}
	root := filepath.Join("..", "testdata", "proc")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "README.md" {
			return err
		}
		b, err := os.ReadFile(path)
		seeds[path] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seeds) < 10 {
		t.Fatalf("found %d seed files under %s", len(seeds), root)
	}
	return seeds
}

// validProcState reports whether the parser may return st for proto.
func validProcState(proto model.Proto, st model.State) bool {
	if proto == model.ProtoUDP {
		return st == model.StateEstablished || st == model.StateUnconn
	}
	return st >= model.StateEstablished && st <= model.StateClosing
}

// FuzzParseProcNet checks that parseProcNet never panics, returns only
// well-formed sockets in the wanted states, reports only DecodeErrors that
// point at a real line, filters as it would without the filter, and, on
// clean input, reads back what formatProcNet prints of its own output.
//
//	go test ./collect -run '^$' -fuzz FuzzParseProcNet -fuzztime 60s
func FuzzParseProcNet(f *testing.F) {
	for _, b := range procSeedFiles(f) {
		for kind := range procFiles {
			f.Add(b, uint8(kind), uint64(model.AllStateSet))
		}
		f.Add(b, uint8(0), uint64(model.ListeningStateSet))
	}
	f.Fuzz(func(t *testing.T, data []byte, kind uint8, states uint64) {
		pf := procFiles[int(kind)%len(procFiles)]
		set := model.StateSet(states)
		const where = "fuzz"
		got, err := parseProcNet(nil, bytes.NewReader(data), where, pf.proto, pf.family, set)

		lines := int64(bytes.Count(data, []byte("\n")))
		if len(data) > 0 && data[len(data)-1] != '\n' {
			lines++
		}
		if int64(len(got)) > lines {
			t.Fatalf("%d sockets from %d lines", len(got), lines)
		}
		for i, s := range got {
			if s.Proto != pf.proto || s.Family != pf.family || !validProcState(pf.proto, s.State) || !set.Has(s.State) {
				t.Fatalf("socket %d: %v/%v %v, want %v/%v in %v", i, s.Proto, s.Family, s.State, pf.proto, pf.family, set)
			}
			for _, ap := range []netip.AddrPort{s.Local, s.Remote} {
				if !ap.Addr().IsValid() || ap.Addr().Zone() != "" || (pf.family == model.FamilyInet && !ap.Addr().Is4()) || ap.Addr().Is4In6() {
					t.Fatalf("socket %d: address %v in a %v file", i, ap, pf.family)
				}
			}
			if s.Timer.Expires < 0 || s.Timer.Expires%procTick != 0 || s.Cookie != 0 || s.NetNS != 0 {
				t.Fatalf("socket %d: %+v", i, s)
			}
		}
		des, others := procDecodeErrors(err)
		for _, de := range des {
			if de.Where != where || de.Offset < 1 || de.Offset > max(lines, 1) || len(de.Line) > procQuoteMax+3 || !errors.Is(de, ErrDecode) {
				t.Fatalf("bad DecodeError %#v", de)
			}
		}
		for _, e := range others {
			if !errors.Is(e, ErrDecode) {
				t.Fatalf("error %v is not ErrDecode", e)
			}
		}
		if len(des) > procMaxErrors || len(others) > 2 {
			t.Fatalf("%d DecodeErrors and %d others, want at most %d and 2", len(des), len(others), procMaxErrors)
		}

		// Filtering while parsing keeps what filtering afterwards keeps.
		all, errAll := parseProcNet(nil, bytes.NewReader(data), where, pf.proto, pf.family, model.AllStateSet)
		if errAll == nil {
			want := slices.DeleteFunc(all, func(s model.Socket) bool { return !set.Has(s.State) })
			if err != nil {
				t.Fatalf("clean with every state, but filtered by %v: %v", set, err)
			}
			if diff := cmp.Diff(want, got, procCmp, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("filtered parse mismatch (-filtered after +filtered while parsing):\n%s", diff)
			}
		}

		if err != nil {
			return
		}
		again, err := parseProcNet(nil, bytes.NewReader(formatProcNet(got, pf.proto, pf.family)), where, pf.proto, pf.family, set)
		if err != nil {
			t.Fatalf("re-parsing formatted output: %v", err)
		}
		if diff := cmp.Diff(got, again, procCmp, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip mismatch (-parsed +formatted and re-parsed):\n%s", diff)
		}
	})
}
