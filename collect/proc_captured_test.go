package collect

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

// procFiles are the files of testdata/proc/captured/net (the ones the
// recorder saves), with what they hold.
var procFiles = []struct {
	name   string
	proto  model.Proto
	family model.Family
}{
	{"tcp", model.ProtoTCP, model.FamilyInet},
	{"tcp6", model.ProtoTCP, model.FamilyInet6},
	{"udp", model.ProtoUDP, model.FamilyInet},
	{"udp6", model.ProtoUDP, model.FamilyInet6},
}

// procCmp compares sockets; netip values compare with ==.
var procCmp = cmp.Options{
	cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b }),
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
}

// sock builds an expected socket, its arguments in /proc column order.
func procSock(proto model.Proto, family model.Family, local, remote string, state model.State, sendQ, recvQ uint32, timer model.TimerKind, expires time.Duration, retrans uint8, uid uint32, inode uint64) model.Socket {
	return model.Socket{
		Proto: proto, Family: family, State: state,
		Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort(remote),
		SendQ: sendQ, RecvQ: recvQ, UID: uid, Inode: inode,
		Timer: model.Timer{Kind: timer, Expires: expires, Retrans: retrans},
	}
}

const (
	procTCP, procUDP = model.ProtoTCP, model.ProtoUDP
	procIn4, procIn6 = model.FamilyInet, model.FamilyInet6
	procMS           = time.Millisecond
)

// capturedWant is testdata/proc/captured/net/* as read by hand from the
// files (ports: 1F90 = 8080, 9C41 = 40001, 14E9 = 5353; tm->when in
// hundredths of a second).
var procCapturedWant = map[string][]model.Socket{
	"tcp": {
		procSock(procTCP, procIn4, "127.0.0.1:8082", "0.0.0.0:0", model.StateListen, 0, 0, model.TimerNone, 0, 0, 0, 1559182),
		procSock(procTCP, procIn4, "127.0.0.1:8081", "0.0.0.0:0", model.StateListen, 0, 2, model.TimerNone, 0, 0, 0, 1559178),
		procSock(procTCP, procIn4, "127.0.0.1:8080", "0.0.0.0:0", model.StateListen, 0, 0, model.TimerNone, 0, 0, 0, 1558282),
		procSock(procTCP, procIn4, "127.0.0.1:40041", "127.0.0.1:8444", model.StateEstablished, 0, 0, model.TimerKeepalive, 15000*procMS, 0, 0, 1559191),
		procSock(procTCP, procIn4, "127.0.0.1:40021", "127.0.0.1:8082", model.StateEstablished, 0, 0, model.TimerKeepalive, 15000*procMS, 0, 0, 1559184),
		procSock(procTCP, procIn4, "127.0.0.1:40001", "127.0.0.1:8080", model.StateEstablished, 0, 0, model.TimerKeepalive, 14790*procMS, 0, 0, 1558286),
		procSock(procTCP, procIn4, "127.0.0.1:40002", "127.0.0.1:8080", model.StateTimeWait, 0, 0, model.TimerTimewait, 59790*procMS, 0, 0, 0),
		procSock(procTCP, procIn4, "127.0.0.1:40003", "127.0.0.1:8080", model.StateFinWait2, 0, 0, model.TimerKeepalive, 14790*procMS, 0, 0, 1558290),
		procSock(procTCP, procIn4, "127.0.0.1:40004", "127.0.0.1:8080", model.StateFinWait2, 0, 0, model.TimerTimewait, 59800*procMS, 0, 0, 0),
		procSock(procTCP, procIn4, "127.0.0.1:40005", "127.0.0.1:8080", model.StateEstablished, 3791494, 0, model.TimerPersist, 40*procMS, 0, 0, 1558294),
		procSock(procTCP, procIn4, "127.0.0.1:8080", "127.0.0.1:40001", model.StateEstablished, 0, 5, model.TimerKeepalive, 14790*procMS, 0, 0, 1558287),
		procSock(procTCP, procIn4, "127.0.0.1:8080", "127.0.0.1:40005", model.StateEstablished, 0, 127973, model.TimerKeepalive, 14790*procMS, 0, 0, 1559177),
		procSock(procTCP, procIn4, "127.0.0.1:8081", "127.0.0.1:40012", model.StateEstablished, 0, 0, model.TimerNone, 0, 0, 0, 0),
		procSock(procTCP, procIn4, "127.0.0.1:8081", "127.0.0.1:40011", model.StateEstablished, 0, 0, model.TimerNone, 0, 0, 0, 0),
		procSock(procTCP, procIn4, "127.0.0.1:40011", "127.0.0.1:8081", model.StateEstablished, 0, 0, model.TimerKeepalive, 14990*procMS, 0, 0, 1559180),
		procSock(procTCP, procIn4, "127.0.0.1:40012", "127.0.0.1:8081", model.StateEstablished, 0, 0, model.TimerKeepalive, 15000*procMS, 0, 0, 1559181),
		procSock(procTCP, procIn4, "127.0.0.1:8080", "127.0.0.1:40003", model.StateCloseWait, 0, 1, model.TimerKeepalive, 14790*procMS, 0, 0, 1558291),
		procSock(procTCP, procIn4, "127.0.0.1:8080", "127.0.0.1:40004", model.StateCloseWait, 0, 1, model.TimerKeepalive, 14790*procMS, 0, 0, 1558293),
		procSock(procTCP, procIn4, "127.0.0.1:8082", "127.0.0.1:40021", model.StateSynRecv, 0, 0, model.TimerOn, 1000*procMS, 0, 0, 0),
	},
	"tcp6": {
		procSock(procTCP, procIn6, "[::1]:8443", "[::]:0", model.StateListen, 0, 0, model.TimerNone, 0, 0, 0, 1559185),
		procSock(procTCP, procIn6, "[::]:8444", "[::]:0", model.StateListen, 0, 0, model.TimerNone, 0, 0, 0, 1559189),
		// v4-mapped: stored unmapped, still inet6.
		procSock(procTCP, procIn6, "127.0.0.1:8444", "127.0.0.1:40041", model.StateEstablished, 0, 0, model.TimerKeepalive, 14990*procMS, 0, 0, 1559192),
		procSock(procTCP, procIn6, "[::1]:40031", "[::1]:8443", model.StateEstablished, 0, 0, model.TimerKeepalive, 14990*procMS, 0, 0, 1559187),
		procSock(procTCP, procIn6, "[::1]:8443", "[::1]:40031", model.StateEstablished, 0, 0, model.TimerKeepalive, 14990*procMS, 0, 0, 1559188),
	},
	"udp": {
		procSock(procUDP, procIn4, "127.0.0.1:5353", "0.0.0.0:0", model.StateUnconn, 0, 832, model.TimerNone, 0, 0, 0, 1559193),
		procSock(procUDP, procIn4, "127.0.0.1:40051", "127.0.0.1:5353", model.StateEstablished, 0, 0, model.TimerNone, 0, 0, 0, 1559194),
	},
	"udp6": {
		procSock(procUDP, procIn6, "[::1]:5354", "[::]:0", model.StateUnconn, 0, 0, model.TimerNone, 0, 0, 0, 1559195),
		procSock(procUDP, procIn6, "127.0.0.1:5355", "127.0.0.1:5353", model.StateEstablished, 0, 0, model.TimerNone, 0, 0, 0, 1559198),
		procSock(procUDP, procIn6, "[::]:5356", "[::]:0", model.StateUnconn, 0, 0, model.TimerNone, 0, 0, 0, 1559197),
		procSock(procUDP, procIn6, "[::1]:40052", "[::1]:5354", model.StateEstablished, 0, 0, model.TimerNone, 0, 0, 0, 1559196),
	},
}

func procCapturedPath(name string) string {
	return filepath.Join("..", "testdata", "proc", "captured", "net", name)
}

func TestParseProcNetCaptured(t *testing.T) {
	for _, pf := range procFiles {
		for _, tc := range []struct {
			name   string
			states model.StateSet
		}{
			{"all", model.AllStateSet},
			{"listening", model.ListeningStateSet},
			{"established", model.NewStateSet(model.StateEstablished)},
			{"closing", model.NewStateSet(model.StateTimeWait, model.StateFinWait2, model.StateCloseWait, model.StateSynRecv)},
			{"none", model.NewStateSet(model.StateClosing)},
		} {
			t.Run(pf.name+"/"+tc.name, func(t *testing.T) {
				b, err := os.ReadFile(procCapturedPath(pf.name))
				if err != nil {
					t.Fatal(err)
				}
				var want []model.Socket
				for _, s := range procCapturedWant[pf.name] {
					if tc.states.Has(s.State) {
						want = append(want, s)
					}
				}
				got, err := parseProcNet(nil, bytes.NewReader(b), pf.name, pf.proto, pf.family, tc.states)
				if err != nil {
					t.Fatalf("parseProcNet: %v", err)
				}
				if diff := cmp.Diff(want, got, procCmp); diff != "" {
					t.Errorf("parseProcNet(%s) mismatch (-want +got):\n%s", pf.name, diff)
				}
			})
		}
	}
}

// TestParseProcNetAppends checks dst is appended to, not replaced.
func TestParseProcNetAppends(t *testing.T) {
	b, err := os.ReadFile(procCapturedPath("udp"))
	if err != nil {
		t.Fatal(err)
	}
	first := procSock(procTCP, procIn4, "127.0.0.1:1", "0.0.0.0:0", model.StateListen, 0, 0, 0, 0, 0, 0, 1)
	got, err := parseProcNet([]model.Socket{first}, bytes.NewReader(b), "udp", procUDP, procIn4, model.AllStateSet)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]model.Socket{first}, procCapturedWant["udp"]...)
	if diff := cmp.Diff(want, got, procCmp); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
