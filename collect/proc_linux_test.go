package collect

// Helpers that build a known set of sockets inside a network namespace the
// test creates, for the /proc fixture recorder and the live tests.

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// recordProc re-captures testdata/proc/captured from a fresh namespace:
//
//	go test ./collect -run TestRecordProcFixtures -record-proc
//
// The expectations in TestParseProcNetCaptured then need updating by hand.
var procRecord = flag.Bool("record-proc", false, "re-capture testdata/proc/captured from a fresh network namespace (root)")

// inFreshNetNS runs fn on an OS thread moved into a new, empty network
// namespace with lo up, and passes fn the thread's id. The thread is never
// unlocked, so it exits with fn and the namespace dies with its sockets.
// It skips t when not root or when the kernel refuses unshare.
func procInFreshNetNS(t testing.TB, fn func(tid int) error) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root to create a network namespace (unshare CLONE_NEWNET)")
	}
	type result struct {
		skip string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread leaves with the namespace
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			res <- result{skip: fmt.Sprintf("skipping: unshare(CLONE_NEWNET) refused: %v", err)}
			return
		}
		if err := procLoopbackUp(); err != nil {
			res <- result{err: err}
			return
		}
		res <- result{err: fn(unix.Gettid())}
	}()
	r := <-res
	if r.skip != "" {
		t.Skip(r.skip)
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
}

// loopbackUp sets IFF_UP on lo in the calling thread's namespace.
func procLoopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket for ioctl: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("SIOCGIFFLAGS lo: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("SIOCSIFFLAGS lo: %w", err)
	}
	return nil
}

// procSSStates maps ss's state names to conntab's.
var procSSStates = map[string]model.State{
	"ESTAB": model.StateEstablished, "SYN-SENT": model.StateSynSent, "SYN-RECV": model.StateSynRecv,
	"FIN-WAIT-1": model.StateFinWait1, "FIN-WAIT-2": model.StateFinWait2, "TIME-WAIT": model.StateTimeWait,
	"CLOSE-WAIT": model.StateCloseWait, "LAST-ACK": model.StateLastAck, "LISTEN": model.StateListen,
	"CLOSING": model.StateClosing, "UNCONN": model.StateUnconn,
}

// procSSTuples runs ss in the calling thread's namespace and returns the
// sockets it lists and made, both without family (ss does not print it)
// and sorted. The error says why ss could not be used.
func procSSTuples(made []procTuple) (want, got []procTuple, err error) {
	path, err := exec.LookPath("ss")
	if err != nil {
		return nil, nil, err
	}
	out, err := exec.Command(path, "-Hnatu").Output()
	if err != nil {
		return nil, nil, fmt.Errorf("ss -Hnatu: %w", err)
	}
	endpoint := func(s string) (netip.AddrPort, error) {
		i := strings.LastIndexByte(s, ':')
		if i < 0 {
			return netip.AddrPort{}, fmt.Errorf("ss endpoint %q", s)
		}
		host, port := strings.Trim(s[:i], "[]"), s[i+1:]
		if host == "*" {
			host = "::" // ss prints a dual-stack wildcard as *
		}
		if port == "*" {
			port = "0"
		}
		a, err := netip.ParseAddr(host)
		if err != nil {
			return netip.AddrPort{}, err
		}
		p, err := strconv.ParseUint(port, 10, 16)
		return netip.AddrPortFrom(a.Unmap(), uint16(p)), err
	}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) != 6 {
			return nil, nil, fmt.Errorf("ss line %q", line)
		}
		st, ok := procSSStates[f[1]]
		local, err1 := endpoint(f[4])
		remote, err2 := endpoint(f[5])
		if !ok || err1 != nil || err2 != nil {
			return nil, nil, fmt.Errorf("ss line %q: %v %v", line, err1, err2)
		}
		proto := model.ProtoTCP
		if f[0] == "udp" {
			proto = model.ProtoUDP
		}
		if remote.Addr().IsUnspecified() {
			remote = netip.AddrPortFrom(netip.IPv6Unspecified(), 0) // ss prints 0.0.0.0:* and [::]:* alike
		}
		got = append(got, procTuple{Proto: proto, State: st, Local: local, Remote: remote})
	}
	for _, m := range made {
		m.Family = 0
		if m.Remote.Addr().IsUnspecified() {
			m.Remote = netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
		}
		want = append(want, m)
	}
	return procSortedTuples(want), procSortedTuples(got), nil
}

// procTuple is what a test knows about a socket it made.
type procTuple struct {
	Proto         model.Proto
	Family        model.Family
	State         model.State
	Local, Remote netip.AddrPort
}

func (p procTuple) String() string {
	return fmt.Sprintf("%v/%v %v %v -> %v", p.Proto, p.Family, p.State, p.Local, p.Remote)
}

func procTupleOf(s model.Socket) procTuple {
	return procTuple{s.Proto, s.Family, s.State, s.Local, s.Remote}
}

func procSortedTuples(ts []procTuple) []procTuple {
	ts = slices.Clone(ts)
	slices.SortFunc(ts, func(a, b procTuple) int { return strings.Compare(a.String(), b.String()) })
	return ts
}

// procScenario is the set of sockets the recorder and the live tests make.
type procScenario struct {
	want    []procTuple
	closers []io.Closer
}

func (s *procScenario) Close() {
	for _, c := range slices.Backward(s.closers) {
		c.Close()
	}
}

func (s *procScenario) keep(c io.Closer) { s.closers = append(s.closers, c) }

func (s *procScenario) expect(proto model.Proto, family model.Family, state model.State, local, remote string) {
	s.want = append(s.want, procTuple{proto, family, state, netip.MustParseAddrPort(local), netip.MustParseAddrPort(remote)})
}

// buildProcScenario makes, in the calling thread's (fresh) namespace, TCP
// listeners, established, TIME_WAIT, FIN_WAIT2 (whole and orphaned),
// CLOSE_WAIT and SYN_RECV sockets, IPv6 and v4-mapped ones, and UDP
// sockets connected and not, all on fixed loopback ports.
func buildProcScenario() (s *procScenario, err error) {
	s = &procScenario{}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	listen := func(network, addr string, control func(network, address string, c syscall.RawConn) error) (net.Listener, error) {
		lc := net.ListenConfig{Control: control}
		l, err := lc.Listen(context.Background(), network, addr)
		if err == nil {
			s.keep(l)
		}
		return l, err
	}
	dial := func(network, local, remote string) (*net.TCPConn, error) {
		d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.MustParseAddrPort(local)), Timeout: 5 * time.Second}
		c, err := d.Dial(network, remote)
		if err != nil {
			return nil, err
		}
		s.keep(c)
		return c.(*net.TCPConn), nil
	}
	accept := func(l net.Listener) (net.Conn, error) {
		c, err := l.Accept()
		if err == nil {
			s.keep(c)
		}
		return c, err
	}

	// IPv4 listener with one connection of each closing stage.
	l8080, err := listen("tcp4", "127.0.0.1:8080", nil)
	if err != nil {
		return s, err
	}
	s.expect(procTCP, procIn4, model.StateListen, "127.0.0.1:8080", "0.0.0.0:0")
	// Established, 5 bytes left unread at the server.
	c, err := dial("tcp4", "127.0.0.1:40001", "127.0.0.1:8080")
	if err != nil {
		return s, err
	}
	if _, err := accept(l8080); err != nil {
		return s, err
	}
	if _, err := c.Write([]byte("hello")); err != nil {
		return s, err
	}
	s.expect(procTCP, procIn4, model.StateEstablished, "127.0.0.1:40001", "127.0.0.1:8080")
	s.expect(procTCP, procIn4, model.StateEstablished, "127.0.0.1:8080", "127.0.0.1:40001")
	// TIME_WAIT: the client closes first, then the server.
	if c, err = dial("tcp4", "127.0.0.1:40002", "127.0.0.1:8080"); err != nil {
		return s, err
	}
	sc, err := accept(l8080)
	if err != nil {
		return s, err
	}
	c.Close()
	if _, err := io.ReadAll(sc); err != nil {
		return s, err
	}
	sc.Close()
	s.expect(procTCP, procIn4, model.StateTimeWait, "127.0.0.1:40002", "127.0.0.1:8080")
	// FIN_WAIT2 / CLOSE_WAIT: the client shuts down writing and keeps its socket.
	if c, err = dial("tcp4", "127.0.0.1:40003", "127.0.0.1:8080"); err != nil {
		return s, err
	}
	if _, err := accept(l8080); err != nil {
		return s, err
	}
	if err := c.CloseWrite(); err != nil {
		return s, err
	}
	s.expect(procTCP, procIn4, model.StateFinWait2, "127.0.0.1:40003", "127.0.0.1:8080")
	s.expect(procTCP, procIn4, model.StateCloseWait, "127.0.0.1:8080", "127.0.0.1:40003")
	// FIN_WAIT2, orphaned: the client closes its socket, which the kernel
	// turns into a timewait socket in substate FIN_WAIT2 (the short line).
	if c, err = dial("tcp4", "127.0.0.1:40004", "127.0.0.1:8080"); err != nil {
		return s, err
	}
	if _, err := accept(l8080); err != nil {
		return s, err
	}
	c.Close()
	s.expect(procTCP, procIn4, model.StateFinWait2, "127.0.0.1:40004", "127.0.0.1:8080")
	s.expect(procTCP, procIn4, model.StateCloseWait, "127.0.0.1:8080", "127.0.0.1:40004")

	// Send queue: the server never reads and advertises a small window,
	// so the client's data waits unsent (tx_queue) behind a persist timer.
	if c, err = dial("tcp4", "127.0.0.1:40005", "127.0.0.1:8080"); err != nil {
		return s, err
	}
	if _, err := accept(l8080); err != nil {
		return s, err
	}
	c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := c.Write(make([]byte, 8<<20)); !errors.Is(err, os.ErrDeadlineExceeded) {
		return s, fmt.Errorf("filling the send queue: %v, want a timeout", err)
	}
	s.expect(procTCP, procIn4, model.StateEstablished, "127.0.0.1:40005", "127.0.0.1:8080")
	s.expect(procTCP, procIn4, model.StateEstablished, "127.0.0.1:8080", "127.0.0.1:40005")

	// Two connections waiting in an accept queue: RecvQ 2 on the listener,
	// and children with no inode yet.
	if _, err := listen("tcp4", "127.0.0.1:8081", nil); err != nil {
		return s, err
	}
	s.expect(procTCP, procIn4, model.StateListen, "127.0.0.1:8081", "0.0.0.0:0")
	for _, port := range []string{"40011", "40012"} {
		if _, err := dial("tcp4", "127.0.0.1:"+port, "127.0.0.1:8081"); err != nil {
			return s, err
		}
		s.expect(procTCP, procIn4, model.StateEstablished, "127.0.0.1:"+port, "127.0.0.1:8081")
		s.expect(procTCP, procIn4, model.StateEstablished, "127.0.0.1:8081", "127.0.0.1:"+port)
	}

	// SYN_RECV: with TCP_DEFER_ACCEPT the listener drops the bare final ACK,
	// so the request socket stays (the openreq line).
	deferAccept := func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, 30)
		})
		return errors.Join(err, serr)
	}
	if _, err := listen("tcp4", "127.0.0.1:8082", deferAccept); err != nil {
		return s, err
	}
	s.expect(procTCP, procIn4, model.StateListen, "127.0.0.1:8082", "0.0.0.0:0")
	if _, err := dial("tcp4", "127.0.0.1:40021", "127.0.0.1:8082"); err != nil {
		return s, err
	}
	s.expect(procTCP, procIn4, model.StateEstablished, "127.0.0.1:40021", "127.0.0.1:8082")
	s.expect(procTCP, procIn4, model.StateSynRecv, "127.0.0.1:8082", "127.0.0.1:40021")

	// IPv6.
	l8443, err := listen("tcp6", "[::1]:8443", nil)
	if err != nil {
		return s, err
	}
	s.expect(procTCP, procIn6, model.StateListen, "[::1]:8443", "[::]:0")
	if _, err := dial("tcp6", "[::1]:40031", "[::1]:8443"); err != nil {
		return s, err
	}
	if _, err := accept(l8443); err != nil {
		return s, err
	}
	s.expect(procTCP, procIn6, model.StateEstablished, "[::1]:40031", "[::1]:8443")
	s.expect(procTCP, procIn6, model.StateEstablished, "[::1]:8443", "[::1]:40031")

	// Dual-stack listener; an IPv4 client makes a v4-mapped tcp6 socket.
	l8444, err := listen("tcp", "[::]:8444", nil)
	if err != nil {
		return s, err
	}
	s.expect(procTCP, procIn6, model.StateListen, "[::]:8444", "[::]:0")
	if _, err := dial("tcp4", "127.0.0.1:40041", "127.0.0.1:8444"); err != nil {
		return s, err
	}
	if _, err := accept(l8444); err != nil {
		return s, err
	}
	s.expect(procTCP, procIn4, model.StateEstablished, "127.0.0.1:40041", "127.0.0.1:8444")
	s.expect(procTCP, procIn6, model.StateEstablished, "127.0.0.1:8444", "127.0.0.1:40041")

	// UDP, IPv4: one datagram left unread on the unconnected socket.
	u, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:5353")))
	if err != nil {
		return s, err
	}
	s.keep(u)
	s.expect(procUDP, procIn4, model.StateUnconn, "127.0.0.1:5353", "0.0.0.0:0")
	uc, err := net.DialUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:40051")), net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:5353")))
	if err != nil {
		return s, err
	}
	s.keep(uc)
	if _, err := uc.Write([]byte("ping")); err != nil {
		return s, err
	}
	s.expect(procUDP, procIn4, model.StateEstablished, "127.0.0.1:40051", "127.0.0.1:5353")
	// UDP, IPv6.
	if u, err = net.ListenUDP("udp6", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("[::1]:5354"))); err != nil {
		return s, err
	}
	s.keep(u)
	s.expect(procUDP, procIn6, model.StateUnconn, "[::1]:5354", "[::]:0")
	if uc, err = net.DialUDP("udp6", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("[::1]:40052")), net.UDPAddrFromAddrPort(netip.MustParseAddrPort("[::1]:5354"))); err != nil {
		return s, err
	}
	s.keep(uc)
	s.expect(procUDP, procIn6, model.StateEstablished, "[::1]:40052", "[::1]:5354")
	// UDP, dual-stack: one unconnected, one connected to a v4-mapped peer.
	if u, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("[::]:5356"))); err != nil {
		return s, err
	}
	s.keep(u)
	s.expect(procUDP, procIn6, model.StateUnconn, "[::]:5356", "[::]:0")
	fd, err := procMappedUDP(5355, netip.MustParseAddr("::ffff:127.0.0.1"), 5353)
	if err != nil {
		return s, err
	}
	s.keep(fd)
	s.expect(procUDP, procIn6, model.StateEstablished, "127.0.0.1:5355", "127.0.0.1:5353")
	return s, nil
}

// mappedUDP makes a dual-stack UDP socket on [::]:port connected to the
// IPv4-mapped peer. Go's net package would open an AF_INET socket instead.
func procMappedUDP(port int, peer netip.Addr, peerPort int) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "udp6-mapped")
	err = errors.Join(
		unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0),
		unix.Bind(fd, &unix.SockaddrInet6{Port: port}),
		unix.Connect(fd, &unix.SockaddrInet6{Port: peerPort, Addr: peer.As16()}),
	)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("v4-mapped udp6 socket: %w", err)
	}
	return f, nil
}

// readProcNetFiles reads the calling thread's /proc/thread-self/net files.
func readProcNetFiles(names ...string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(names))
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join("/proc/thread-self/net", name))
		if err != nil {
			return nil, err
		}
		out[name] = b
	}
	return out, nil
}

// tuplesOf parses the four files in files with every state wanted.
func procTuplesOf(files map[string][]byte) ([]procTuple, error) {
	var all []procTuple
	for _, pf := range procFiles {
		socks, err := parseProcNet(nil, bytes.NewReader(files[pf.name]), pf.name, pf.proto, pf.family, model.AllStateSet)
		if err != nil {
			return nil, err
		}
		for _, s := range socks {
			all = append(all, procTupleOf(s))
		}
	}
	return procSortedTuples(all), nil
}

// waitForScenario reads the calling thread's /proc/net files until they
// list exactly the scenario's sockets (loopback packets are handled
// asynchronously) and returns them.
func procWaitForScenario(s *procScenario) (map[string][]byte, error) {
	want := procSortedTuples(s.want)
	deadline := time.Now().Add(10 * time.Second)
	var got []procTuple
	for {
		files, err := readProcNetFiles("tcp", "tcp6", "udp", "udp6", "sockstat", "sockstat6")
		if err != nil {
			return nil, err
		}
		got, err = procTuplesOf(files)
		if err != nil {
			return nil, err
		}
		if slices.Equal(got, want) && procScenarioSettled(files) {
			return files, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("namespace never listed exactly the sockets made:\nwant %v\ngot  %v", want, got)
		}
		time.Sleep(10 * time.Millisecond) // polling the kernel, not waiting on a guess
	}
}

// procScenarioSettled reports whether the data the scenario sent has
// arrived: 5 bytes queued on 127.0.0.1:8080<-40001, a datagram on 5353.
func procScenarioSettled(files map[string][]byte) bool {
	procTCP, _ := parseProcNet(nil, bytes.NewReader(files["tcp"]), "tcp", model.ProtoTCP, model.FamilyInet, model.AllStateSet)
	procUDP, _ := parseProcNet(nil, bytes.NewReader(files["udp"]), "udp", model.ProtoUDP, model.FamilyInet, model.AllStateSet)
	var tcpOK, udpOK bool
	for _, s := range procTCP {
		if s.Local.Port() == 8080 && s.Remote.Port() == 40001 {
			tcpOK = s.RecvQ == 5
		}
	}
	for _, s := range procUDP {
		if s.Local.Port() == 5353 {
			udpOK = s.RecvQ > 0
		}
	}
	return tcpOK && udpOK
}

// TestRecordProcFixtures re-captures testdata/proc/captured when run with
// -record-proc (see recordProc).
func TestRecordProcFixtures(t *testing.T) {
	if !*procRecord {
		t.Skip("skipping: run with -record-proc to re-capture testdata/proc/captured")
	}
	dir := filepath.Join("..", "testdata", "proc", "captured", "net")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	procInFreshNetNS(t, func(int) error {
		s, err := buildProcScenario()
		if err != nil {
			return err
		}
		defer s.Close()
		files, err := procWaitForScenario(s)
		if err != nil {
			return err
		}
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				return err
			}
		}
		return nil
	})
}

// TestProcLive makes known sockets in a fresh namespace and checks the
// kernel's /proc/net files list exactly them, that procfs reads the same
// bytes as conntab does, and that a Collector entering the namespace by its
// file reads them too.
func TestProcLive(t *testing.T) {
	procInFreshNetNS(t, func(tid int) error {
		s, err := buildProcScenario()
		if err != nil {
			return err
		}
		defer s.Close()
		files, err := procWaitForScenario(s) // exact 5-tuples and states, or an error
		if err != nil {
			return err
		}

		root := t.TempDir()
		if err := os.Mkdir(filepath.Join(root, "net"), 0o755); err != nil {
			return err
		}
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(root, "net", name), b, 0o644); err != nil {
				return err
			}
		}
		procCheckAgainstProcfs(t, root)

		// ss reads the same namespace over netlink; fork from this thread
		// so it runs inside.
		if want, got, err := procSSTuples(s.want); err != nil {
			t.Logf("not comparing with ss: %v", err)
		} else if diff := cmp.Diff(want, got, procCmp); diff != "" {
			t.Errorf("ss lists other sockets than the test made (-made +ss):\n%s", diff)
		}

		// Collect from another thread, which has to enter the namespace.
		nsPath := fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), tid)
		for _, states := range []model.StateSet{model.AllStateSet, model.ListeningStateSet} {
			type result struct {
				snap *model.Snapshot
				err  error
			}
			done := make(chan result)
			go func() {
				c := New(Config{Mode: ModeProc, NetNS: nsPath, States: states})
				snap, err := c.Collect(context.Background())
				done <- result{snap, err}
			}()
			r := <-done
			if r.err != nil {
				return fmt.Errorf("Collect(NetNS %s): %w", nsPath, r.err)
			}
			var want, got []procTuple
			for _, w := range s.want {
				if states.Has(w.State) {
					want = append(want, w)
				}
			}
			for _, s := range r.snap.Sockets {
				got = append(got, procTupleOf(s))
			}
			if diff := cmp.Diff(procSortedTuples(want), procSortedTuples(got), procCmp); diff != "" {
				t.Errorf("Collect(%v) in the namespace mismatch (-want +got):\n%s", states, diff)
			}
		}
		return nil
	})
}
