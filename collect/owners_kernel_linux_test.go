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
	return startHelperWith(t, func(cmd *exec.Cmd) error { return ns.Do(cmd.Start) }, mode, cred, env...)
}

// startHelperWith is startHelper with start starting the command.
func startHelperWith(t *testing.T, start func(*exec.Cmd) error, mode string, cred *syscall.Credential, env ...string) (*exec.Cmd, string) {
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
	if err := start(cmd); err != nil {
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
	case "hold":
		err = helperHold()
	case "track":
		err = helperTrack()
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
	// HiddenErr is Owners.HiddenErr's text, and HiddenErrno its errno's.
	HiddenErr, HiddenErrno string
	Err                    string
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
		if o.HiddenErr != nil {
			r.HiddenErr = o.HiddenErr.Error()
			var errno unix.Errno
			if errors.As(o.HiddenErr, &errno) {
				r.HiddenErrno = unix.ErrnoName(errno)
			}
		}
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

// helperHold opens, closes and swaps bound UDP sockets (which the dump
// shows) as its stdin asks, one request a line, and answers each:
//
//	open     -> "ok FD INODE"
//	open N   -> "ok FD INODE" of the last of N new sockets
//	close FD -> "ok"
//	swap FD  -> "ok FD INODE": FD closed and a new socket opened, so that
//	            the process holds as many descriptors as before
func helperHold() error {
	fmt.Printf("ready\n")
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			return fmt.Errorf("empty request")
		}
		n := 1
		if f[0] == "open" && len(f) == 2 {
			var err error
			if n, err = strconv.Atoi(f[1]); err != nil || n < 1 {
				return fmt.Errorf("request %q: want a count", sc.Text())
			}
		}
		if f[0] == "close" || f[0] == "swap" {
			fd, err := strconv.Atoi(f[len(f)-1])
			if err != nil {
				return err
			}
			if err := unix.Close(fd); err != nil {
				return err
			}
			if f[0] == "close" {
				fmt.Printf("ok\n")
				continue
			}
		} else if f[0] != "open" {
			return fmt.Errorf("unknown request %q", sc.Text())
		}
		var fd int
		var st unix.Stat_t
		for range n {
			var err error
			if fd, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err != nil {
				return err
			}
			if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
				return err
			}
			if err := unix.Fstat(fd, &st); err != nil {
				return err
			}
		}
		fmt.Printf("ok %d %d\n", fd, st.Ino)
	}
	return sc.Err()
}

// holder is a helper in "hold" mode.
type holder struct {
	pid   int32
	in    io.WriteCloser
	lines chan string
	cmd   *exec.Cmd
	done  bool
}

// startHolder starts a helper in "hold" mode inside ns; it ends with the
// test, or at stop.
func startHolder(t testing.TB, ns *nstest.NS) *holder {
	t.Helper()
	cmd := exec.Command("/proc/self/exe", "-test.run=^TestOwnersHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"=hold")
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
	h := &holder{pid: int32(cmd.Process.Pid), in: in, lines: make(chan string, 1), cmd: cmd}
	t.Cleanup(func() { h.stop(t) })
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
		close(h.lines)
	}()
	if line := h.reply(t); line != "ready" {
		t.Fatalf("holder: %q", line)
	}
	return h
}

func (h *holder) reply(t testing.TB) string {
	t.Helper()
	select {
	case line, ok := <-h.lines:
		if !ok {
			t.Fatal("holder exited")
		}
		return line
	case <-time.After(20 * time.Second):
		t.Fatal("holder: no answer in 20s")
	}
	return ""
}

// do sends a request and returns the descriptor and inode it answers.
func (h *holder) do(t testing.TB, req string) (int32, uint64) {
	t.Helper()
	if _, err := fmt.Fprintln(h.in, req); err != nil {
		t.Fatal(err)
	}
	line := h.reply(t)
	var fd int32
	var ino uint64
	if line == "ok" {
		return 0, 0
	}
	if _, err := fmt.Sscanf(line, "ok %d %d", &fd, &ino); err != nil {
		t.Fatalf("holder answered %q to %q: %v", line, req, err)
	}
	return fd, ino
}

// stop ends the holder and waits for it.
func (h *holder) stop(t testing.TB) {
	if h.done {
		return
	}
	h.done = true
	h.in.Close()
	if err := h.cmd.Wait(); err != nil {
		t.Errorf("holder %d: %v", h.pid, err)
	}
}

// TestKernelTracker runs one Collector with Processes over a namespace
// whose processes come, go, open, close and swap sockets, and compares
// every snapshot with a full walk (readOwners) taken right after it: the
// namespace's processes are idle in between, so both see the same tables.
func TestKernelTracker(t *testing.T) {
	ns := nstest.Require(t)
	coll := New(Config{NetNS: ns.Path(), Processes: true})

	// A listener this process holds, shared with cat.
	l, err := ns.Listen("tcp4", "127.0.0.1:7400")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dup, err := l.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer dup.Close()
	shared := inodeOf(t, l.(*net.TCPListener))
	cat := exec.Command("cat")
	cat.ExtraFiles = []*os.File{dup}
	catIn, err := cat.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := ns.Do(cat.Start); err != nil {
		t.Fatal(err)
	}
	defer func() { catIn.Close(); cat.Wait() }()

	a := startHolder(t, ns)
	aFD1, a1 := a.do(t, "open")

	// snapshot takes one snapshot and checks it against a full walk.
	snapshot := func(t *testing.T) *model.Snapshot {
		t.Helper()
		snap, err := coll.Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		full, err := readOwners("/proc")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range snap.Sockets {
			if s.Inode == 0 {
				continue
			}
			n++
			if diff := cmp.Diff(full.Of(s.Inode), snap.Owners.Of(s.Inode)); diff != "" {
				t.Errorf("owners of %s %s (inode %d), full walk (-) against the collector (+):\n%s", s.Proto, s.Local, s.Inode, diff)
			}
		}
		if n == 0 {
			t.Fatal("no sockets with an inode in the namespace")
		}
		return snap
	}
	ownedBy := func(t *testing.T, snap *model.Snapshot, ino uint64, want ...model.Owner) {
		t.Helper()
		got := slices.Clone(snap.Owners.Of(ino))
		for i := range got {
			got[i].Comm = "" // a full walk checks the names
		}
		slices.SortFunc(want, compareOwners)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("owners of %d (-want +got):\n%s", ino, diff)
		}
	}
	me := int32(os.Getpid())
	lfd := fdOf(t, l.(*net.TCPListener))
	var snap *model.Snapshot

	t.Run("first snapshot walks everything", func(t *testing.T) {
		snap = snapshot(t)
		if !coll.owners.last.Full {
			t.Errorf("first snapshot: %+v, want a full walk", coll.owners.last)
		}
		ownedBy(t, snap, a1, model.Owner{Inode: a1, PID: a.pid, FD: aFD1})
		ownedBy(t, snap, shared,
			model.Owner{Inode: shared, PID: me, FD: lfd},
			model.Owner{Inode: shared, PID: me, FD: int32(dup.Fd())},
			model.Owner{Inode: shared, PID: int32(cat.Process.Pid), FD: 3})
	})
	t.Run("nothing changed", func(t *testing.T) {
		snapshot(t)
		if st := coll.owners.last; st.Full || st.Reused == 0 || st.Level != 0 {
			t.Errorf("%+v, want the holders' owners kept", st)
		}
		if _, ok := coll.owners.procs[a.pid]; !ok {
			t.Errorf("holder %d not tracked", a.pid)
		}
	})
	b := startHolder(t, ns)
	bFD1, b1 := b.do(t, "open")
	t.Run("a new process", func(t *testing.T) {
		snap = snapshot(t)
		ownedBy(t, snap, b1, model.Owner{Inode: b1, PID: b.pid, FD: bFD1})
	})
	aFD2, a2 := a.do(t, "open")
	t.Run("a process opens a socket", func(t *testing.T) {
		snap = snapshot(t)
		ownedBy(t, snap, a2, model.Owner{Inode: a2, PID: a.pid, FD: aFD2})
		ownedBy(t, snap, a1, model.Owner{Inode: a1, PID: a.pid, FD: aFD1})
	})
	aFD3, a3 := a.do(t, fmt.Sprintf("swap %d", aFD1))
	t.Run("a process closes a socket and opens another", func(t *testing.T) {
		snap = snapshot(t)
		if st := coll.owners.last; st.Level != 3 {
			t.Errorf("%+v, want a new socket without an owner to make every process be read", st)
		}
		ownedBy(t, snap, a3, model.Owner{Inode: a3, PID: a.pid, FD: aFD3})
		for _, s := range snap.Sockets {
			if s.Inode == a1 {
				t.Errorf("closed socket %d still dumped: %+v", a1, s)
			}
		}
		// And the next snapshot has nothing new to check.
		snapshot(t)
		if st := coll.owners.last; st.Full || st.Level != 0 {
			t.Errorf("snapshot after: %+v", st)
		}
	})
	t.Run("a process holding a shared socket exits", func(t *testing.T) {
		catIn.Close()
		if err := cat.Wait(); err != nil {
			t.Fatal(err)
		}
		snap = snapshot(t)
		ownedBy(t, snap, shared,
			model.Owner{Inode: shared, PID: me, FD: lfd},
			model.Owner{Inode: shared, PID: me, FD: int32(dup.Fd())})
		if _, ok := coll.owners.procs[int32(cat.Process.Pid)]; ok {
			t.Errorf("cat (%d) still tracked after it exited", cat.Process.Pid)
		}
	})
	t.Run("a process exits", func(t *testing.T) {
		b.stop(t)
		snap = snapshot(t)
		if _, ok := coll.owners.procs[b.pid]; ok {
			t.Errorf("holder %d still tracked after it exited", b.pid)
		}
		for _, s := range snap.Sockets {
			if s.Inode == b1 {
				t.Errorf("exited holder's socket %d still dumped", b1)
			}
		}
	})
}

// helperTrackResult is what helperTrack prints, as JSON.
type helperTrackResult struct {
	Hidden, FullHidden int
	Stats              trackStats
	Tries              int
	Err                string
}

// helperTrack takes two snapshots of its own namespace with one Collector
// and compares the second's Hidden with a full walk's. Other processes
// may come and go in between, so it tries a few times. A sleep(1) child,
// of the same user and with descriptors that do not change, is there to
// be kept rather than read again.
func helperTrack() error {
	var r helperTrackResult
	sleep := exec.Command("sleep", "60")
	if err := sleep.Start(); err != nil {
		return err
	}
	defer func() { sleep.Process.Kill(); sleep.Wait() }()
	coll := New(Config{Processes: true})
	if _, err := coll.Collect(context.Background()); err != nil {
		r.Err = err.Error()
	}
	for r.Tries = 1; r.Tries <= 5 && r.Err == ""; r.Tries++ {
		snap, err := coll.Collect(context.Background())
		if err != nil {
			r.Err = err.Error()
			break
		}
		full, err := readOwners("/proc")
		if err != nil {
			r.Err = err.Error()
			break
		}
		r.Hidden, r.FullHidden, r.Stats = snap.Owners.Hidden, full.Hidden, coll.owners.last
		// Until sleep has loaded its libraries, its count changes.
		if r.Hidden == r.FullHidden && r.Stats.Reused > 0 {
			break
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	fmt.Printf("%s\n", b)
	return nil
}

// A Collector run by a user who cannot read every process counts the
// others as hidden in its incremental snapshots too.
func TestKernelTrackerHidden(t *testing.T) {
	ns := nstest.Require(t)
	const nobody = 65534
	_, line := startHelper(t, ns, "track", &syscall.Credential{Uid: nobody, Gid: nobody})
	var r helperTrackResult
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("helper: %q: %v", line, err)
	}
	if r.Err != "" {
		t.Fatalf("as uid %d: %s", nobody, r.Err)
	}
	if r.Stats.Full || r.Stats.Reused == 0 {
		t.Errorf("second snapshot: %+v, want an incremental one that kept sleep's owners", r.Stats)
	}
	if r.Hidden < 1 || r.Hidden != r.FullHidden {
		t.Errorf("Hidden = %d, a full walk says %d (after %d tries); want them equal and at least 1 (this process is root's)", r.Hidden, r.FullHidden, r.Tries)
	}
}
