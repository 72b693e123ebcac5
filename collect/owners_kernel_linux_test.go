package collect

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
)

// Real-kernel tests of readOwners: sockets held by this process and by
// children, in a namespace the test makes, against ss -p.

// helperEnv selects a mode of TestOwnersHelperProcess in a re-executed
// test binary.
const helperEnv = "CONNTAB_OWNERS_HELPER"

// ssUser is one entry of ss's users:(...) list.
type ssUser struct {
	Comm    string
	PID, FD int32
}

var ssUserEnd = regexp.MustCompile(`",pid=([0-9]+),fd=([0-9]+)\)`)

// parseSSUsers reads the process list of one line of `ss -p`:
// users:(("comm",pid=1,fd=3),("comm",pid=2,fd=4)). ss prints comm as it
// is, so it may hold quotes, commas and parentheses: entries are found
// from their ",pid=N,fd=M)" ends, each comm running from the end of the
// entry before it. A line without users has none.
func parseSSUsers(line string) ([]ssUser, error) {
	const open = `users:(("`
	i := strings.Index(line, open)
	if i < 0 {
		return nil, nil
	}
	rest := line[i+len(open):]
	var users []ssUser
	for {
		m := ssUserEnd.FindStringSubmatchIndex(rest)
		if m == nil {
			return nil, fmt.Errorf("ss line %q: users list without pid=N,fd=M", line)
		}
		pid, err1 := strconv.ParseInt(rest[m[2]:m[3]], 10, 32)
		fd, err2 := strconv.ParseInt(rest[m[4]:m[5]], 10, 32)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("ss line %q: %w", line, err)
		}
		users = append(users, ssUser{rest[:m[0]], int32(pid), int32(fd)})
		rest = rest[m[1]:]
		if next, ok := strings.CutPrefix(rest, `,("`); ok {
			rest = next
			continue
		}
		if !strings.HasPrefix(rest, ")") {
			return nil, fmt.Errorf("ss line %q: users list ends in %q", line, rest)
		}
		return users, nil
	}
}

func TestParseSSUsers(t *testing.T) {
	tests := []struct {
		line string
		want []ssUser
	}{
		{`LISTEN 0 4096 127.0.0.1:8001 0.0.0.0:* ino:12 sk:1 cgroup:/ <->`, nil},
		{
			`LISTEN 0 4096 127.0.0.1:8001 0.0.0.0:* users:(("sshd",pid=1,fd=3)) ino:12 sk:1 cgroup:/ <->`,
			[]ssUser{{"sshd", 1, 3}},
		},
		{
			`ESTAB 0 0 127.0.0.1:8001 127.0.0.1:4242 users:(("cat",pid=22,fd=3),("collect.test",pid=7,fd=12)) ino:13`,
			[]ssUser{{"cat", 22, 3}, {"collect.test", 7, 12}},
		},
		{
			`UNCONN 0 0 127.0.0.1:53 0.0.0.0:* users:(("a,\"(b)\"),(\"",pid=5,fd=6),("x))",pid=8,fd=9)) ino:14`,
			[]ssUser{{`a,\"(b)\"),(\"`, 5, 6}, {"x))", 8, 9}},
		},
		{
			"ESTAB 0 0 127.0.0.1:1 127.0.0.1:2 users:((\"\x1b[31mevil\",pid=10,fd=3)) ino:15",
			[]ssUser{{"\x1b[31mevil", 10, 3}},
		},
	}
	for _, tt := range tests {
		got, err := parseSSUsers(tt.line)
		if err != nil {
			t.Errorf("parseSSUsers(%q): %v", tt.line, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseSSUsers(%q) (-want +got):\n%s", tt.line, diff)
		}
	}
	for _, bad := range []string{
		`users:(("sshd",pid=1,fd=3) ino:12`,
		`users:(("sshd",pid=x,fd=3)) ino:12`,
		`users:(("sshd",pid=99999999999,fd=3)) ino:12`,
	} {
		if got, err := parseSSUsers(bad); err == nil {
			t.Errorf("parseSSUsers(%q) = %v, want an error", bad, got)
		}
	}
}

// ssOwners runs `ss -tuanpeH` inside ns and returns, by socket inode, who
// ss says holds each socket, sorted.
func ssOwners(t *testing.T, ns *nstest.NS) map[uint64][]ssUser {
	t.Helper()
	for _, tool := range []string{"ss", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (ss: iproute2, nsenter: util-linux; .ci/run installs both): %v", tool, err)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd := ns.Command("ss", "-tuanpeH")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ss -tuanpeH: %v: %s", err, stderr.Bytes())
	}
	out := map[uint64][]ssUser{}
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		line := sc.Text()
		// ino:N follows the users list, so the last one is ss's own.
		i := strings.LastIndex(line, " ino:")
		if i < 0 {
			t.Fatalf("ss line %q: no ino:", line)
		}
		f := strings.Fields(line[i+len(" ino:"):])
		ino, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			t.Fatalf("ss line %q: %v", line, err)
		}
		users, err := parseSSUsers(line[:i])
		if err != nil {
			t.Fatal(err)
		}
		if ino != 0 {
			out[ino] = sortUsers(append(out[ino], users...))
		}
	}
	return out
}

func sortUsers(u []ssUser) []ssUser {
	slices.SortFunc(u, func(a, b ssUser) int {
		if c := int(a.PID - b.PID); c != 0 {
			return c
		}
		return int(a.FD - b.FD)
	})
	return u
}

// asUsers is owners as ss prints them.
func asUsers(owners []model.Owner) []ssUser {
	var u []ssUser
	for _, o := range owners {
		u = append(u, ssUser{o.Comm, o.PID, o.FD})
	}
	return sortUsers(u)
}

// catHolding starts cat(1) inside ns holding files as descriptors 3 and
// up, until the test ends.
func catHolding(t *testing.T, ns *nstest.NS, files ...*os.File) int {
	t.Helper()
	cmd := exec.Command("cat")
	cmd.ExtraFiles = files
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := ns.Do(cmd.Start); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close()
		cmd.Wait()
	})
	return cmd.Process.Pid
}

func TestReadOwnersAgreesWithSS(t *testing.T) {
	ns := nstest.Require(t)
	closeAtEnd := func(c io.Closer) { t.Cleanup(func() { c.Close() }) }

	// This process: a listener, both ends of a connection to it, UDP of
	// both families and a connected UDP socket.
	l, err := ns.Listen("tcp4", "127.0.0.1:7100")
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(l)
	c, err := ns.Dial("tcp4", "127.0.0.1:7100")
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(c)
	s, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(s)
	for _, a := range [][2]string{{"udp4", "127.0.0.1:7103"}, {"udp6", "[::1]:7104"}} {
		u, err := ns.ListenPacket(a[0], a[1])
		if err != nil {
			t.Fatal(err)
		}
		closeAtEnd(u)
	}
	uc, err := ns.Dial("udp4", "127.0.0.1:7103")
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(uc)

	// A child alone, under its own name.
	if _, stop, err := nstest.StartNamedListener(ns, "owners-child", "127.0.0.1:7101"); err != nil {
		t.Fatal(err)
	} else {
		t.Cleanup(stop)
	}

	// A listener shared: this process holds it twice (the listener and a
	// duplicate), a cat child once more.
	shared, err := ns.Listen("tcp4", "127.0.0.1:7102")
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(shared)
	dup, err := shared.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(dup)
	catPID := catHolding(t, ns, dup)

	snap, err := New(Config{NetNS: ns.Path()}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	owners, err := readOwners("/proc")
	if err != nil {
		t.Fatal(err)
	}
	fromSS := ssOwners(t, ns)

	got := map[uint64][]ssUser{}
	for i := range snap.Sockets {
		if ino := snap.Sockets[i].Inode; ino != 0 {
			got[ino] = asUsers(owners.Of(ino))
		}
	}
	if len(got) != 8 {
		t.Errorf("%d sockets with an inode in the namespace, want 8", len(got))
	}
	if diff := cmp.Diff(fromSS, got); diff != "" {
		t.Errorf("owners by inode, ss (-) against readOwners (+):\n%s", diff)
	}

	// Check the scenario itself, lest ss and readOwners agree on nothing:
	// the shared listener has its three owners.
	me := int32(os.Getpid())
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	ownComm := strings.TrimSuffix(string(comm), "\n")
	wantShared := sortUsers([]ssUser{
		{ownComm, me, fdOf(t, shared.(*net.TCPListener))},
		{ownComm, me, int32(dup.Fd())},
		{"cat", int32(catPID), 3},
	})
	if diff := cmp.Diff(wantShared, got[inodeOf(t, shared.(*net.TCPListener))]); diff != "" {
		t.Errorf("owners of the shared listener (-want +got):\n%s", diff)
	}
}

// fdOf is the descriptor behind c.
func fdOf(t *testing.T, c syscall.Conn) int32 {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd int32
	if err := rc.Control(func(d uintptr) { fd = int32(d) }); err != nil {
		t.Fatal(err)
	}
	return fd
}

// startHelper runs this test binary's TestOwnersHelperProcess in mode
// inside ns, with env added, and returns it with its first line of output.
func startHelper(t *testing.T, ns *nstest.NS, mode string, cred *syscall.Credential, env ...string) (*exec.Cmd, string) {
	t.Helper()
	// /proc/self/exe, resolved by the child itself, reaches the binary even
	// for a child whose new user could not walk the path to it.
	cmd := exec.Command("/proc/self/exe", "-test.run=^TestOwnersHelperProcess$")
	cmd.Env = append(append(os.Environ(), helperEnv+"="+mode), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := ns.Do(cmd.Start); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close()
		cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		sc.Scan()
		lines <- sc.Text()
		io.Copy(io.Discard, out)
	}()
	select {
	case line := <-lines:
		return cmd, line
	case <-time.After(20 * time.Second):
		t.Fatalf("helper %s: no answer in 20s", mode)
	}
	return nil, ""
}

// TestOwnersHelperProcess is not a test: the tests below run the test
// binary again with helperEnv set, and this is what the child does. It
// answers one line on stdout, then waits for stdin to close.
func TestOwnersHelperProcess(t *testing.T) {
	var err error
	switch os.Getenv(helperEnv) {
	case "":
		return
	case "rename":
		err = helperRename(os.Getenv("CONNTAB_OWNERS_COMM"))
	case "walk":
		err = helperWalk()
	default:
		err = fmt.Errorf("unknown mode %q", os.Getenv(helperEnv))
	}
	if err != nil {
		fmt.Printf("error %v\n", err)
		os.Exit(1)
	}
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// helperRename renames this process to comm, then listens on a port of
// 127.0.0.1 the kernel picks, and prints "ready PORT".
func helperRename(comm string) error {
	// What prctl(PR_SET_NAME) does when the main thread calls it: a test
	// runs on another thread, and prctl would rename that one only, which
	// neither /proc/PID/comm nor ss show. Writing /proc/self/comm renames
	// the process itself.
	if err := os.WriteFile("/proc/self/comm", []byte(comm), 0); err != nil {
		return err
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("ready %d\n", l.Addr().(*net.TCPAddr).Port)
	return nil
}

// helperWalkResult is what helperWalk prints, as JSON.
type helperWalkResult struct {
	PID    int
	Inode  uint64 // of the helper's own UDP socket
	Own    []model.Owner
	Parent []model.Owner // owners of the inode in CONNTAB_OWNERS_PARENT_INODE
	Hidden int
	Err    string
}

// helperWalk opens a UDP socket, walks /proc, and prints what it found.
// Run as another user, it sees only its own descriptors.
func helperWalk() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	parent, err := strconv.ParseUint(os.Getenv("CONNTAB_OWNERS_PARENT_INODE"), 10, 64)
	if err != nil {
		return err
	}
	r := helperWalkResult{PID: os.Getpid(), Inode: st.Ino}
	o, err := readOwners("/proc")
	if err != nil {
		r.Err = err.Error()
	}
	if o != nil {
		r.Own, r.Parent, r.Hidden = o.Of(st.Ino), o.Of(parent), o.Hidden
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	fmt.Printf("%s\n", b)
	return nil
}

// inodeOf is the inode of the socket behind c.
func inodeOf(t *testing.T, c syscall.Conn) uint64 {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.Fstat(int(fd), &st) }); err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		t.Fatal(serr)
	}
	return st.Ino
}

// listenerInode finds, in a snapshot of ns, the inode of the TCP listener
// on addr.
func listenerInode(t *testing.T, ns *nstest.NS, addr string) uint64 {
	t.Helper()
	snap, err := New(Config{NetNS: ns.Path(), Protos: []model.Proto{model.ProtoTCP}}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snap.Sockets {
		if s.State == model.StateListen && s.Local.String() == addr {
			return s.Inode
		}
	}
	t.Fatalf("no listener on %s in %v", addr, tuples(snap.Sockets))
	return 0
}

// A process named with an escape sequence keeps its name byte for byte:
// escaping is for whoever prints it.
func TestReadOwnersHostileNames(t *testing.T) {
	ns := nstest.Require(t)
	const evil = "\x1b[31mevil"

	t.Run("named at exec", func(t *testing.T) {
		pid, stop, err := nstest.StartNamedListener(ns, evil, "127.0.0.1:7200")
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		ino := listenerInode(t, ns, "127.0.0.1:7200")
		owners, err := readOwners("/proc")
		if err != nil {
			t.Fatal(err)
		}
		want := []model.Owner{{Inode: ino, PID: int32(pid), FD: 3, Comm: evil}}
		if diff := cmp.Diff(want, owners.Of(ino)); diff != "" {
			t.Errorf("owners (-want +got):\n%s", diff)
		}
	})

	t.Run("renamed itself", func(t *testing.T) {
		const comm = "\x9b2J\xff;rm -rf /\n" // C1 CSI, invalid UTF-8, a newline; 15 bytes
		cmd, line := startHelper(t, ns, "rename", nil, "CONNTAB_OWNERS_COMM="+comm)
		port, ok := strings.CutPrefix(line, "ready ")
		if !ok {
			t.Fatalf("helper: %q", line)
		}
		ino := listenerInode(t, ns, "127.0.0.1:"+port)
		owners, err := readOwners("/proc")
		if err != nil {
			t.Fatal(err)
		}
		got := owners.Of(ino)
		if len(got) != 1 || got[0].PID != int32(cmd.Process.Pid) || got[0].Comm != comm {
			t.Errorf("owners of the helper's listener: %+v, want pid %d named %q", got, cmd.Process.Pid, comm)
		}
	})
}

// Another user's processes are counted as hidden, not walked, and not
// reported as errors.
func TestReadOwnersHidden(t *testing.T) {
	ns := nstest.Require(t)
	l, err := ns.ListenPacket("udp4", "127.0.0.1:7300")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	parentIno := inodeOf(t, l.(*net.UDPConn))

	const nobody = 65534
	_, line := startHelper(t, ns, "walk", &syscall.Credential{Uid: nobody, Gid: nobody},
		"CONNTAB_OWNERS_PARENT_INODE="+strconv.FormatUint(parentIno, 10))
	var r helperWalkResult
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("helper: %q: %v", line, err)
	}
	if r.Err != "" {
		t.Errorf("walk as uid %d: %s", nobody, r.Err)
	}
	// At least this process (root's) is hidden from nobody.
	if r.Hidden < 1 {
		t.Errorf("Hidden = %d, want at least 1", r.Hidden)
	}
	if len(r.Parent) != 0 {
		t.Errorf("uid %d saw root's socket: %+v", nobody, r.Parent)
	}
	if len(r.Own) != 1 || r.Own[0].PID != int32(r.PID) || r.Own[0].Inode != r.Inode {
		t.Errorf("uid %d's own socket %d: owners %+v, want pid %d", nobody, r.Inode, r.Own, r.PID)
	}

	// Root, walking the same processes, hides nothing from itself here
	// and sees both.
	owners, err := readOwners("/proc")
	if err != nil {
		t.Fatal(err)
	}
	if got := owners.Of(parentIno); len(got) != 1 || got[0].PID != int32(os.Getpid()) {
		t.Errorf("root: owners of its own socket: %+v", got)
	}
}
