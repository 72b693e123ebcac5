package collect

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
)

// The recorder: as root,
//
//	go test ./collect -run TestRecordSockDiag -record-sockdiag
//
// builds nstest's known socket set in a fresh namespace and writes the
// kernel's raw replies to each dump into testdata/sockdiag/{tcp,udp}{4,6}.bin
// (netlink messages as the kernel sent them, headers included, without the
// closing NLMSG_DONE), and the tuples of the sockets it made into known.golden.
var recordSockDiag = flag.Bool("record-sockdiag", false, "record testdata/sockdiag from a fresh namespace")

func TestRecordSockDiag(t *testing.T) {
	if !*recordSockDiag {
		t.Skip("records fixtures only with -record-sockdiag")
	}
	ns := nstest.Require(t)
	k, err := nstest.BuildKnownSet(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if err := os.MkdirAll(sockdiagDir, 0o755); err != nil {
		t.Fatal(err)
	}
	var conn *netlink.Conn
	if err := withNetNS(ns.Path(), func() error {
		conn, err = netlink.Dial(unix.NETLINK_SOCK_DIAG, &netlink.Config{MessageBufferSize: recvBuffer})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The last ACKs of the closing pairs may still be in flight: record
	// until the dump holds exactly the known set.
	want := tuples(k.Want)
	for try := 0; ; try++ {
		record(t, conn)
		socks, err := replayRecorded(t)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Equal(tuples(socks), want) {
			break
		}
		if try == 40 {
			t.Fatalf("the dump never held the known set:\n got %q\nwant %q", tuples(socks), want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The golden is what the test made, not what the decoder read.
	if err := os.WriteFile(filepath.Join(sockdiagDir, "known.golden"), []byte(strings.Join(want, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// record writes one dump of each kind to testdata/sockdiag.
func record(t *testing.T, conn *netlink.Conn) {
	t.Helper()
	for _, d := range recordedDumps {
		req := netlink.Message{
			Header: netlink.Header{Type: sockDiagByFamily, Flags: netlink.Request | netlink.Dump},
			Data:   inetDiagRequest(d.family, d.proto, model.AllStateSet.KernelMask(d.proto)),
		}
		if _, err := conn.Send(req); err != nil {
			t.Fatal(err)
		}
		var raw []byte
		for m, err := range conn.ReceiveIter() {
			if err != nil {
				t.Fatal(err)
			}
			b, err := m.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			raw = append(raw, b...)
		}
		if err := os.WriteFile(filepath.Join(sockdiagDir, d.file), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
