package collect

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"

	"github.com/conntab/conntab/model"
)

// recordedDumps names the recorded files and the dump each holds.
var recordedDumps = []struct {
	file   string
	proto  model.Proto
	family model.Family
}{
	{"tcp4.bin", model.ProtoTCP, model.FamilyInet},
	{"tcp6.bin", model.ProtoTCP, model.FamilyInet6},
	{"udp4.bin", model.ProtoUDP, model.FamilyInet},
	{"udp6.bin", model.ProtoUDP, model.FamilyInet6},
}

const sockdiagDir = "../testdata/sockdiag"

// tuple is what a kernel test compares: the 5-tuple and the state.
func tuple(s *model.Socket) string {
	return fmt.Sprintf("%s/%s %s %s -> %s", s.Proto, s.Family, s.State, s.Local, s.Remote)
}

func tuples(socks []model.Socket) []string {
	out := make([]string, len(socks))
	for i := range socks {
		out[i] = tuple(&socks[i])
	}
	slices.Sort(out)
	return out
}

// replayRecorded decodes the recorded dumps in testdata/sockdiag through
// the same path a live dump takes, with nltest standing in for the kernel.
func replayRecorded(t *testing.T) ([]model.Socket, error) {
	r := newDumpResult(0)
	for _, d := range recordedDumps {
		b, err := os.ReadFile(filepath.Join(sockdiagDir, d.file))
		if err != nil {
			return nil, err
		}
		msgs, err := splitMessages(b)
		if err != nil {
			t.Fatalf("%s: %v", d.file, err)
		}
		done := netlink.Message{Header: netlink.Header{Type: netlink.Done, Flags: netlink.Multi}, Data: make([]byte, 4)}
		conn := nltest.Dial(func(req []netlink.Message) ([]netlink.Message, error) {
			return append(msgs, done), nil
		})
		err = dumpInetDiag(context.Background(), conn, dumpJob{proto: d.proto, family: d.family, mask: model.AllStateSet.KernelMask(d.proto)}, r)
		conn.Close()
		if err != nil {
			return nil, err
		}
	}
	return r.sockets, r.err()
}

// TestRecordedSockDiag decodes dumps recorded from a real namespace (see
// TestRecordSockDiag) and checks them against the tuples recorded with them.
func TestRecordedSockDiag(t *testing.T) {
	socks, err := replayRecorded(t)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(sockdiagDir, "known.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(strings.Split(strings.TrimSpace(string(want)), "\n"), tuples(socks)); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	// The known set has one of each state; the recording must hold them all.
	seen := map[model.State]bool{}
	for _, s := range socks {
		seen[s.State] = true
	}
	for _, st := range []model.State{model.StateListen, model.StateEstablished, model.StateTimeWait, model.StateCloseWait,
		model.StateFinWait2, model.StateSynSent, model.StateUnconn, model.StateBoundInactive} {
		if !seen[st] {
			t.Errorf("recording holds no %s socket", st)
		}
	}
}

// TestTruncatedRecording cuts the recorded stream at every message and
// within one: what precedes the cut still decodes, the cut is an error.
func TestTruncatedRecording(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(sockdiagDir, "tcp4.bin"))
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := splitMessages(b)
	if err != nil {
		t.Fatal(err)
	}
	for cut := 1; cut < len(msgs); cut++ {
		short := append([]netlink.Message(nil), msgs[:cut]...)
		last := msgs[cut]
		last.Data = last.Data[:len(last.Data)/2] // a message cut in half
		short = append(short, last)
		conn := nltest.Dial(func(req []netlink.Message) ([]netlink.Message, error) {
			return append(short, netlink.Message{Header: netlink.Header{Type: netlink.Done, Flags: netlink.Multi}, Data: make([]byte, 4)}), nil
		})
		r := newDumpResult(0)
		if err := dumpInetDiag(context.Background(), conn, dumpJob{proto: model.ProtoTCP, family: model.FamilyInet, mask: 0xffff}, r); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		if len(r.sockets) != cut {
			t.Errorf("cut at %d: decoded %d sockets, want %d", cut, len(r.sockets), cut)
		}
		de, ok := r.err().(interface{ Unwrap() []error })
		if !ok || len(de.Unwrap()) != 1 || !strings.Contains(r.err().Error(), "offset") {
			t.Errorf("cut at %d: err = %v, want one error naming the offset", cut, r.err())
		}
	}
}
