package nstest_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/conntab/conntab/internal/nstest"
)

// procEntry is one line of /proc/net/tcp.
type procEntry struct {
	State string // kernel number in hex, as the file spells it
	Port  int    // local port
	Inode uint64
}

func parseProcTCP(t *testing.T, text string) []procEntry {
	t.Helper()
	var out []procEntry
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Scan() // header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 {
			t.Fatalf("short /proc/net/tcp line %q", sc.Text())
		}
		_, port, ok := strings.Cut(f[1], ":")
		if !ok {
			t.Fatalf("bad local address in %q", sc.Text())
		}
		p, err := strconv.ParseUint(port, 16, 16)
		if err != nil {
			t.Fatal(err)
		}
		ino, err := strconv.ParseUint(f[9], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, procEntry{State: f[3], Port: int(p), Inode: ino})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// inode is the socket inode behind c.
func inode(t *testing.T, c syscall.Conn) uint64 {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.Fstat(int(fd), &st) }); err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		t.Fatal(serr)
	}
	return st.Ino
}

// readHere reads a file on a locked thread in the caller's namespace; the
// namespace of /proc/thread-self/net is the thread's.
func readHere(t *testing.T, path string) string {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readIn(t *testing.T, ns *nstest.NS, path string) string {
	t.Helper()
	var b []byte
	if err := ns.Do(func() (err error) {
		b, err = os.ReadFile(path)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNewNamespaceIsEmpty(t *testing.T) {
	ns := nstest.Require(t)
	for _, f := range []string{"tcp", "tcp6", "udp", "udp6"} {
		if got := parseProcTCP(t, readIn(t, ns, "/proc/thread-self/net/"+f)); len(got) != 0 {
			t.Errorf("/proc/net/%s in a new namespace: %v, want nothing", f, got)
		}
	}
}

func TestSocketsIsolated(t *testing.T) {
	ns := nstest.Require(t)
	l, err := ns.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	c, err := ns.Dial("tcp4", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	defer s.Close()

	const established, listen = "01", "0A"
	lport := l.Addr().(*net.TCPAddr).Port
	want := []procEntry{
		{State: listen, Port: lport, Inode: inode(t, l.(*net.TCPListener))},
		{State: established, Port: c.LocalAddr().(*net.TCPAddr).Port, Inode: inode(t, c.(*net.TCPConn))},
		{State: established, Port: lport, Inode: inode(t, s.(*net.TCPConn))},
	}
	got := parseProcTCP(t, readIn(t, ns, "/proc/thread-self/net/tcp"))
	if diff := cmp.Diff(want, got, sortEntries); diff != "" {
		t.Errorf("/proc/net/tcp inside the namespace (-want +got):\n%s", diff)
	}
	host := make(map[uint64]bool)
	for _, e := range parseProcTCP(t, readHere(t, "/proc/thread-self/net/tcp")) {
		host[e.Inode] = true
	}
	for _, e := range want {
		if host[e.Inode] {
			t.Errorf("host's /proc/net/tcp shows the namespace's socket %+v", e)
		}
	}
}

var sortEntries = cmpopts.SortSlices(func(a, b procEntry) bool {
	if a.State != b.State {
		return a.State > b.State
	}
	return a.Inode < b.Inode
})

func TestLoopbackUp(t *testing.T) {
	ns := nstest.Require(t)
	var flags net.Flags
	if err := ns.Do(func() error {
		lo, err := net.InterfaceByName("lo")
		if err != nil {
			return err
		}
		flags = lo.Flags
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if flags&net.FlagUp == 0 {
		t.Errorf("lo flags = %v, want up", flags)
	}
}

func TestSysctlOnlyInNamespace(t *testing.T) {
	ns := nstest.Require(t)
	const name, path = "net.ipv4.ip_local_port_range", "/proc/sys/net/ipv4/ip_local_port_range"
	host := readHere(t, path)
	want := "20000\t20999"
	if host == want+"\n" {
		want = "21000\t21999"
	}
	if err := ns.Sysctl(name, want); err != nil {
		t.Fatal(err)
	}
	got, err := ns.ReadSysctl(name)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("ReadSysctl(%q) = %q, want %q", name, got, want)
	}
	if now := readHere(t, path); now != host {
		t.Errorf("host %s changed from %q to %q", name, host, now)
	}
	if _, err := exec.LookPath("nsenter"); err != nil {
		t.Skip("no nsenter: ", err)
	}
	out, err := ns.Command("cat", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != want+"\n" {
		t.Errorf("cat %s under nsenter = %q, want %q", path, out, want+"\n")
	}
}

func TestChildrenJoinNamespace(t *testing.T) {
	ns := nstest.Require(t)
	want := fmt.Sprintf("net:[%d]\n", ns.Inode())
	tests := []struct {
		name string
		run  func() ([]byte, error)
	}{
		{"Command", func() ([]byte, error) {
			if _, err := exec.LookPath("nsenter"); err != nil {
				return []byte(want), nil // nothing to compare with
			}
			return ns.Command("readlink", "/proc/self/ns/net").Output()
		}},
		{"exec inside Do", func() (out []byte, err error) {
			err = ns.Do(func() error {
				out, err = exec.Command("readlink", "/proc/self/ns/net").Output()
				return err
			})
			return out, err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.run()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, string(got)); diff != "" {
				t.Errorf("child's namespace (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCallerStaysOutside(t *testing.T) {
	ns := nstest.Require(t)
	before, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 * runtime.GOMAXPROCS(0) {
		if err := ns.Do(func() error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	// Threads that ran Do went back; every thread of the process should be
	// in the original namespace.
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		got, err := os.Readlink("/proc/self/task/" + task.Name() + "/ns/net")
		if err != nil {
			continue // the thread exited
		}
		if got != before {
			t.Errorf("thread %s is in %s, want %s", task.Name(), got, before)
		}
	}
}

func TestLiteralAddressesOnly(t *testing.T) {
	ns := nstest.Require(t)
	tests := []struct {
		name string
		do   func() error
	}{
		{"Dial", func() error { _, err := ns.Dial("tcp", "localhost:80"); return err }},
		{"Listen", func() error { _, err := ns.Listen("tcp", "localhost:0"); return err }},
		{"ListenPacket", func() error { _, err := ns.ListenPacket("udp", "localhost:0"); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if err == nil || !strings.Contains(err.Error(), "literal IP address") {
				t.Errorf("got %v, want an error asking for a literal IP address", err)
			}
		})
	}
}

func TestClose(t *testing.T) {
	ns, err := nstest.Create()
	if errors.Is(err, nstest.ErrUnshare) || os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace: run as root (CI does)")
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := ns.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ns.Close(); !errors.Is(err, nstest.ErrClosed) {
		t.Errorf("second Close = %v, want ErrClosed", err)
	}
	if err := ns.Do(func() error { return nil }); !errors.Is(err, nstest.ErrClosed) {
		t.Errorf("Do after Close = %v, want ErrClosed", err)
	}
}
