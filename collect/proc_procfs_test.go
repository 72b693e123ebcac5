package collect

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/procfs"

	"github.com/conntab/conntab/model"
)

// procfsRow is what procfs and conntab both read from a /proc/net line.
type procfsRow struct {
	Local, Remote            netip.AddrPort
	St, TxQ, RxQ, UID, Inode uint64
}

// procfsRows reads root/net/name with procfs, the oracle.
func procfsRows(t *testing.T, root, name string) []procfsRow {
	t.Helper()
	fs, err := procfs.NewFS(root)
	if err != nil {
		t.Fatal(err)
	}
	var lines procfs.NetIPSocket
	switch name {
	case "tcp":
		n, e := fs.NetTCP()
		lines, err = procfs.NetIPSocket(n), e
	case "tcp6":
		n, e := fs.NetTCP6()
		lines, err = procfs.NetIPSocket(n), e
	case "udp":
		n, e := fs.NetUDP()
		lines, err = procfs.NetIPSocket(n), e
	case "udp6":
		n, e := fs.NetUDP6()
		lines, err = procfs.NetIPSocket(n), e
	}
	if err != nil {
		t.Fatalf("procfs %s: %v", name, err)
	}
	ap := func(ip net.IP, port uint64) netip.AddrPort {
		a, ok := netip.AddrFromSlice(ip)
		if !ok || port > 0xFFFF {
			t.Fatalf("procfs %s: address %v port %d", name, ip, port)
		}
		return netip.AddrPortFrom(a.Unmap(), uint16(port))
	}
	rows := []procfsRow{}
	for _, l := range lines {
		rows = append(rows, procfsRow{ap(l.LocalAddr, l.LocalPort), ap(l.RemAddr, l.RemPort), l.St, l.TxQueue, l.RxQueue, l.UID, l.Inode})
	}
	return rows
}

// ourRows reads root/net/name with parseProcNet, every state wanted.
func procOurRows(t *testing.T, root string, pf struct {
	name   string
	proto  model.Proto
	family model.Family
}) []procfsRow {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "net", pf.name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	socks, err := parseProcNet(nil, f, pf.name, pf.proto, pf.family, model.AllStateSet)
	if err != nil {
		t.Fatalf("parseProcNet %s: %v", pf.name, err)
	}
	rows := []procfsRow{}
	for _, s := range socks {
		st := uint64(s.State)
		if s.State == model.StateUnconn {
			st = uint64(model.StateClose)
		}
		rows = append(rows, procfsRow{s.Local, s.Remote, st, uint64(s.SendQ), uint64(s.RecvQ), uint64(s.UID), s.Inode})
	}
	return rows
}

// checkAgainstProcfs asserts parseProcNet and procfs read every file under
// root/net alike.
func procCheckAgainstProcfs(t *testing.T, root string) {
	t.Helper()
	for _, pf := range procFiles {
		want := procfsRows(t, root, pf.name)
		got := procOurRows(t, root, pf)
		if len(want) == 0 {
			t.Errorf("%s: procfs found no sockets; the oracle checks nothing", pf.name)
		}
		if diff := cmp.Diff(want, got, procCmp); diff != "" {
			t.Errorf("%s: parseProcNet disagrees with procfs (-procfs +ours):\n%s", pf.name, diff)
		}
	}
}

func TestParseProcNetAgreesWithProcfs(t *testing.T) {
	procCheckAgainstProcfs(t, filepath.Join("..", "testdata", "proc", "captured"))
}
