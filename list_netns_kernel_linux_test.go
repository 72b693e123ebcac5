package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
)

// manyNamespaces makes n namespaces of the test's own, each with its own
// ephemeral port range and sockets that keep their state however long
// the test takes (stableSet): the even ones bind-mounted on a file (as
// `ip netns add` keeps a namespace), the odd ones with a process inside
// (as a container keeps one). ss is looked for first: the test is skipped
// without it.
func manyNamespaces(t *testing.T, n int) []*nstest.NS {
	t.Helper()
	if _, err := exec.LookPath("ss"); err != nil {
		t.Skip("ss (iproute2) is not installed: .ci/run installs it")
	}
	dir := t.TempDir()
	var nss []*nstest.NS
	for i := range n {
		ns := nstest.Require(t)
		lo := 20000 + 1000*i
		if err := ns.Sysctl("net.ipv4.ip_local_port_range", fmt.Sprintf("%d %d", lo, lo+999)); err != nil {
			t.Fatal(err)
		}
		stableSet(t, ns)
		if i%2 == 0 {
			_, unmount, err := ns.BindMount(dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { unmount() })
		} else {
			cmd := ns.Command("sleep", "600")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			waitInside(t, cmd.Process.Pid, ns)
		}
		nss = append(nss, ns)
	}
	return nss
}

// waitInside waits until process pid (nsenter, then what it runs) has
// entered ns.
func waitInside(t *testing.T, pid int, ns *nstest.NS) {
	t.Helper()
	want := fmt.Sprintf("net:[%d]", ns.Inode())
	for range 1000 {
		if link, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid)); link == want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("process %d did not enter namespace %d", pid, ns.Inode())
}

// stableSet fills ns with sockets in states that do not time out: TCP
// listeners on 127.0.0.1:8001 and [::1]:8002, a connection to each (the
// clients' ports from the namespace's range), and a UDP socket unconnected
// on 127.0.0.1:5300 and one connected to it.
func stableSet(t *testing.T, ns *nstest.NS) {
	t.Helper()
	keep := func(c io.Closer, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
	}
	for _, a := range [][2]string{{"tcp4", "127.0.0.1:8001"}, {"tcp6", "[::1]:8002"}} {
		l, err := ns.Listen(a[0], a[1])
		keep(l, err)
		keep(ns.Dial(a[0], a[1]))
		keep(l.Accept())
	}
	keep(ns.ListenPacket("udp4", "127.0.0.1:5300"))
	keep(ns.Dial("udp4", "127.0.0.1:5300"))
}

// TestKernelListAllNamespaces: `conntab list -a -N all --json` gives, for
// each of 20 namespaces of the test's own, exactly the sockets `ss -tuan`
// gives inside it, each tagged with its namespace's inode; a namespace
// kept alive by a bind mount only is found as one with a process in it.
func TestKernelListAllNamespaces(t *testing.T) {
	nss := manyNamespaces(t, 20)
	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"list", "-a", "-N", "all", "--json"}, &out, &errb); err != nil {
		t.Fatalf("conntab list -a -N all --json: %v (stderr %q)", err, errb.String())
	}
	got := map[uint32][]model.Socket{}
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		ino, ok := lineNetNS(line)
		if !ok {
			t.Fatalf("a line without its netns: %s", line)
		}
		if !slices.ContainsFunc(nss, func(ns *nstest.NS) bool { return uint32(ns.Inode()) == ino }) {
			continue // another namespace of the host: not this test's to judge
		}
		got[ino] = append(got[ino], decodeNDJSON(t, bytes.NewReader(line))...)
	}
	for i, ns := range nss {
		ino := uint32(ns.Inode())
		fromSS, err := nstest.SS(ns)
		if err != nil {
			t.Fatal(err)
		}
		if len(fromSS) != 8 {
			t.Errorf("namespace %d: ss lists %d sockets, the test made 8", ino, len(fromSS))
		}
		if diff := cmp.Diff(tuples(fromSS), tuples(got[ino])); diff != "" {
			t.Errorf("namespace %d (-ss +conntab)\n%s", ino, diff)
		}
		// The clients' ports are the namespace's own range's.
		lo := uint16(20000 + 1000*i)
		for _, s := range got[ino] {
			if s.State == model.StateEstablished && s.Remote.Port() >= 8001 && s.Remote.Port() <= 8002 &&
				(s.Local.Port() < lo || s.Local.Port() > lo+999) {
				t.Errorf("namespace %d: client port %d outside its range %d-%d", ino, s.Local.Port(), lo, lo+999)
			}
		}
	}
}

// lineNetNS reads the "netns" of one JSON line of the listing.
func lineNetNS(line []byte) (uint32, bool) {
	var j render.SocketJSON
	if err := json.Unmarshal(line, &j); err != nil {
		return 0, false
	}
	return j.NetNS, j.NetNS != 0
}

// TestKernelNamespacesOwnRanges: -N given for several namespaces reads
// each with its own settings (its ip_local_port_range) and names it in
// the summary's per-namespace table.
func TestKernelNamespacesOwnRanges(t *testing.T) {
	nss := manyNamespaces(t, 4)
	var paths []string
	for _, ns := range nss {
		paths = append(paths, ns.Path())
	}
	snap, err := collect.New(collect.Config{Mode: collect.ModeNetlink, NetNSes: paths}).Collect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for i, ns := range nss {
		got := snap.NamespaceOf(uint32(ns.Inode()))
		if got == nil {
			t.Fatalf("namespace %d not read", ns.Inode())
		}
		lo := uint16(20000 + 1000*i)
		if want := (model.PortRange{Lo: lo, Hi: lo + 999}); got.Host.Ephemeral != want {
			t.Errorf("namespace %d: range %v, want %v", ns.Inode(), got.Host.Ephemeral, want)
		}
	}
	var args []string
	for _, p := range paths {
		args = append(args, "-N", p)
	}
	var out, errb bytes.Buffer
	if err := run(t.Context(), append([]string{"list", "-s"}, args...), &out, &errb); err != nil {
		t.Fatalf("conntab list -s: %v (stderr %q)", err, errb.String())
	}
	for _, ns := range nss {
		n := 0
		for _, s := range snap.Sockets {
			if s.NetNS == uint32(ns.Inode()) && s.Proto == model.ProtoTCP && s.Family == model.FamilyInet {
				n++
			}
		}
		if n != 3 { // the listener on 8001 and the two ends of a connection to it
			t.Fatalf("namespace %d: %d tcp sockets read, the test made 3", ns.Inode(), n)
		}
		if !strings.Contains(out.String(), fmt.Sprintf(" %10d %8d ", ns.Inode(), n)) {
			t.Errorf("summary has no row for namespace %d with %d tcp sockets:\n%s", ns.Inode(), n, out.String())
		}
	}
}
