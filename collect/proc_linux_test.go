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
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// recordProc re-captures testdata/proc/captured from a fresh namespace:
//
//	go test ./collect -run TestRecordProcFixtures -record-proc
//
// The expectations in TestParseProcNetCaptured then need updating by hand.
var procRecord = flag.Bool("record-proc", false, "re-capture testdata/proc/captured from a fresh network namespace (root)")

// procFiles are the files the recorder saves, with what they hold.
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

// decodeErrors splits a parse error into its DecodeErrors and the rest.
func procDecodeErrors(err error) (des []*DecodeError, others []error) {
	var walk func(error)
	walk = func(err error) {
		if de, ok := err.(*DecodeError); ok {
			des = append(des, de)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		others = append(others, err)
	}
	if err != nil {
		walk(err)
	}
	return des, others
}

// badLine is an expected DecodeError: line number and reason. The quoted
// line is checked against the fixture's line of that number.
type procBadLine struct {
	Line   int64
	Reason error
}

func TestParseProcNetMalformed(t *testing.T) {
	listen := func(port, inode uint64) model.Socket {
		return procSock(procTCP, procIn4, fmt.Sprintf("127.0.0.1:%d", port), "0.0.0.0:0", model.StateListen, 0, 0, 0, 0, 0, 0, inode)
	}
	est := func(inode uint64, retrans uint8, uid uint32) model.Socket {
		return procSock(procTCP, procIn4, "127.0.0.1:8080", "127.0.0.1:40001", model.StateEstablished, 0, 0, model.TimerKeepalive, 14970*procMS, retrans, uid, inode)
	}
	tests := []struct {
		file   string
		proto  model.Proto
		family model.Family
		states model.StateSet
		want   []model.Socket
		bad    []procBadLine
	}{
		{
			file: "tcp-bad-columns", proto: procTCP, family: procIn4, states: model.AllStateSet,
			want: []model.Socket{
				listen(8080, 100),
				procSock(procTCP, procIn4, "127.0.0.1:40002", "127.0.0.1:8080", model.StateTimeWait, 0, 0, model.TimerTimewait, 59980*procMS, 0, 0, 0),
			},
			bad: []procBadLine{
				{3, errProcLocal}, {4, errProcFields}, {5, errProcState}, {6, errProcFields},
				{7, errProcSl}, {8, errProcEmpty}, {9, errProcRemote}, {10, errProcState},
			},
		},
		{
			// Unwanted rows are dropped once their state is read: the
			// columns up to it (sl, the addresses' shape, st) are always
			// checked, the rest only on wanted rows.
			file: "tcp-bad-columns", proto: procTCP, family: procIn4, states: model.NewStateSet(model.StateTimeWait),
			want: []model.Socket{
				procSock(procTCP, procIn4, "127.0.0.1:40002", "127.0.0.1:8080", model.StateTimeWait, 0, 0, model.TimerTimewait, 59980*procMS, 0, 0, 0),
			},
			bad: []procBadLine{{5, errProcState}, {6, errProcFields}, {7, errProcSl}, {8, errProcEmpty}, {9, errProcRemote}, {10, errProcState}},
		},
		{
			file: "tcp-bad-numbers", proto: procTCP, family: procIn4, states: model.AllStateSet,
			want: []model.Socket{est(206, 0, 0), est(209, 255, 1000)},
			bad: []procBadLine{
				{2, errProcQueues}, {3, errProcUID}, {4, errProcInode}, {5, errProcRetrans},
				{6, errProcTimer}, {7, errProcTimeout}, {9, errProcInode}, {10, errProcTimer},
			},
		},
		{
			file: "udp-bad-state", proto: procUDP, family: procIn4, states: model.AllStateSet,
			want: []model.Socket{
				procSock(procUDP, procIn4, "127.0.0.1:40051", "127.0.0.1:5353", model.StateEstablished, 0, 0, model.TimerNone, 0, 0, 0, 17769),
				procSock(procUDP, procIn4, "127.0.0.1:5353", "0.0.0.0:0", model.StateUnconn, 0, 832, model.TimerNone, 0, 0, 0, 17768),
			},
			bad: []procBadLine{{3, errProcState}},
		},
		{
			file: "tcp6-v4-addresses", proto: procTCP, family: procIn6, states: model.AllStateSet,
			want: []model.Socket{procSock(procTCP, procIn6, "[::1]:8443", "[::]:0", model.StateListen, 0, 0, model.TimerNone, 0, 0, 0, 17760)},
			bad:  []procBadLine{{2, errProcLocal}},
		},
		{
			// The file read as the wrong family: every line is refused.
			file: "tcp6-v4-addresses", proto: procTCP, family: procIn4, states: model.AllStateSet,
			want: []model.Socket{listen(8080, 100)},
			bad:  []procBadLine{{3, errProcLocal}},
		},
		{
			// A header-less file is reported; its lines still count.
			file: "tcp-no-header", proto: procTCP, family: procIn4, states: model.AllStateSet,
			want: []model.Socket{listen(8080, 100), listen(8081, 101)},
			bad:  []procBadLine{{1, errProcHeader}},
		},
		{
			file: "tcp-header-only", proto: procTCP, family: procIn4, states: model.AllStateSet,
		},
		{
			// The last line lost its tail (and newline) mid-inode.
			file: "tcp-cut-short", proto: procTCP, family: procIn4, states: model.AllStateSet,
			want: []model.Socket{listen(8080, 100)},
			bad:  []procBadLine{{3, errProcFields}},
		},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%v/%v", tc.file, tc.family, tc.states), func(t *testing.T) {
			path := filepath.Join("..", "testdata", "proc", "malformed", tc.file)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(b), "\n")
			got, err := parseProcNet(nil, bytes.NewReader(b), path, tc.proto, tc.family, tc.states)
			if diff := cmp.Diff(tc.want, got, procCmp); diff != "" {
				t.Errorf("sockets mismatch (-want +got):\n%s", diff)
			}
			if (err != nil) != (len(tc.bad) > 0) {
				t.Fatalf("err = %v, want %d bad lines", err, len(tc.bad))
			}
			if err != nil && !errors.Is(err, ErrDecode) {
				t.Errorf("errors.Is(%v, ErrDecode) = false", err)
			}
			des, others := procDecodeErrors(err)
			if len(others) > 0 {
				t.Errorf("errors that are not DecodeErrors: %v", others)
			}
			var gotBad []procBadLine
			for _, de := range des {
				gotBad = append(gotBad, procBadLine{de.Offset, de.Err})
				if de.Where != path {
					t.Errorf("line %d: Where = %q, want %q", de.Offset, de.Where, path)
				}
				if want := strings.TrimRight(lines[de.Offset-1], " "); de.Line != want {
					t.Errorf("line %d: Line = %q, want %q", de.Offset, de.Line, want)
				}
				if !strings.Contains(de.Error(), path) || !strings.Contains(de.Error(), de.Err.Error()) {
					t.Errorf("line %d: Error() = %q, want it to name the file and the reason", de.Offset, de.Error())
				}
			}
			if diff := cmp.Diff(tc.bad, gotBad, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("bad lines mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

const procHeader4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"

// procListenLine is a good LISTEN line on 127.0.0.1:port.
func procListenLine(sl int, port uint16, inode int) string {
	return fmt.Sprintf("%4d: 0100007F:%04X 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 100 0 0 10 0\n", sl, port, inode)
}

func TestParseProcNetEdges(t *testing.T) {
	listen := func(port uint16, inode uint64) model.Socket {
		return procSock(procTCP, procIn4, fmt.Sprintf("127.0.0.1:%d", port), "0.0.0.0:0", model.StateListen, 0, 0, 0, 0, 0, 0, inode)
	}
	long := strings.Repeat("A", 2000)
	huge := strings.Repeat("B", 300<<10) // longer than the read buffer
	tests := []struct {
		name  string
		input string
		want  []model.Socket
		bad   []procBadLine
		quote string // the start of every bad line's quote
	}{
		{
			name:  "no final newline",
			input: procHeader4 + strings.TrimSuffix(procListenLine(0, 80, 7), "\n"),
			want:  []model.Socket{listen(80, 7)},
		},
		{
			name:  "line too long",
			input: procHeader4 + procListenLine(0, 80, 7) + long + "\n" + procListenLine(2, 81, 8),
			want:  []model.Socket{listen(80, 7), listen(81, 8)},
			bad:   []procBadLine{{3, errProcLong}},
			quote: strings.Repeat("A", procQuoteMax) + "...",
		},
		{
			name:  "line longer than the buffer",
			input: procHeader4 + procListenLine(0, 80, 7) + huge + "\n" + procListenLine(2, 81, 8),
			want:  []model.Socket{listen(80, 7), listen(81, 8)},
			bad:   []procBadLine{{3, errProcLong}},
			quote: strings.Repeat("B", procQuoteMax) + "...",
		},
		{
			name:  "line longer than the buffer at the end",
			input: procHeader4 + procListenLine(0, 80, 7) + huge,
			want:  []model.Socket{listen(80, 7)},
			bad:   []procBadLine{{3, errProcLong}},
			quote: strings.Repeat("B", procQuoteMax) + "...",
		},
		{
			name:  "header twice",
			input: procHeader4 + procListenLine(0, 80, 7) + procHeader4,
			want:  []model.Socket{listen(80, 7)},
			bad:   []procBadLine{{3, errProcSl}},
			quote: "  sl  local_address",
		},
		{
			name:  "lowercase hex",
			input: procHeader4 + "   0: 0100007f:1f90 00000000:0000 0a 00000000:00000000 00:00000000 00000000     0        0 5 1 0\n",
			want:  []model.Socket{listen(8080, 5)},
		},
		{
			name:  "NUL in a field",
			input: procHeader4 + "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5\x00 1 0\n",
			bad:   []procBadLine{{2, errProcInode}},
			quote: "   0: 0100007F",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseProcNet(nil, strings.NewReader(tc.input), "test", procTCP, procIn4, model.AllStateSet)
			if diff := cmp.Diff(tc.want, got, procCmp); diff != "" {
				t.Errorf("sockets mismatch (-want +got):\n%s", diff)
			}
			des, others := procDecodeErrors(err)
			if len(others) > 0 {
				t.Errorf("unexpected errors: %v", others)
			}
			var gotBad []procBadLine
			for _, de := range des {
				gotBad = append(gotBad, procBadLine{de.Offset, de.Err})
				if !strings.HasPrefix(de.Line, tc.quote) || len(de.Line) > procQuoteMax+3 {
					t.Errorf("line %d quoted as %.40q... (%d bytes), want it to start %.40q and hold at most %d", de.Offset, de.Line, len(de.Line), tc.quote, procQuoteMax+3)
				}
			}
			if diff := cmp.Diff(tc.bad, gotBad, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("bad lines mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestProcHex8 checks the eight-at-once hex decoder against strconv for
// every byte value in every position.
func TestProcHex8(t *testing.T) {
	base := []byte("0123abCD")
	for pos := range 8 {
		for c := range 256 {
			in := slices.Clone(base)
			in[pos] = byte(c)
			want, err := strconv.ParseUint(string(in), 16, 32)
			got, ok := procHex8(in)
			if ok != (err == nil) || uint64(got) != want && ok {
				t.Fatalf("procHex8(%q) = %#x, %v; want %#x, %v", in, got, ok, want, err == nil)
			}
		}
	}
	for _, in := range []string{"00000000", "FFFFFFFF", "ffffffff", "0100007F", "DEADbeef", "7fffffff"} {
		want, _ := strconv.ParseUint(in, 16, 32)
		if got, ok := procHex8([]byte(in)); !ok || uint64(got) != want {
			t.Errorf("procHex8(%q) = %#x, %v; want %#x", in, got, ok, want)
		}
	}
}

func TestParseProcNetEmpty(t *testing.T) {
	got, err := parseProcNet(nil, strings.NewReader(""), "/proc/net/tcp", procTCP, procIn4, model.AllStateSet)
	if len(got) != 0 || !errors.Is(err, ErrDecode) || !strings.Contains(fmt.Sprint(err), "/proc/net/tcp") {
		t.Errorf("parseProcNet(empty) = %v, %v; want no sockets and an ErrDecode naming the file", got, err)
	}
}

// TestParseProcNetErrorCap checks one file reports at most procMaxErrors
// lines, then how many more there were.
func TestParseProcNetErrorCap(t *testing.T) {
	var in strings.Builder
	in.WriteString(procHeader4)
	for i := range 25 {
		if i%2 == 0 {
			in.WriteString(procListenLine(i, uint16(1000+i), i))
		} else {
			fmt.Fprintf(&in, "%4d: garbage\n", i)
		}
	}
	got, err := parseProcNet(nil, strings.NewReader(in.String()), "capped", procTCP, procIn4, model.AllStateSet)
	if len(got) != 13 {
		t.Errorf("got %d sockets, want the 13 good lines", len(got))
	}
	des, others := procDecodeErrors(err)
	var lines []int64
	for _, de := range des {
		lines = append(lines, de.Offset)
	}
	if diff := cmp.Diff([]int64{3, 5, 7, 9, 11, 13, 15, 17, 19, 21}, lines); diff != "" {
		t.Errorf("reported lines mismatch (-want +got):\n%s", diff)
	}
	if len(others) != 1 || !errors.Is(others[0], ErrDecode) || !strings.Contains(others[0].Error(), "and 2 more malformed lines") {
		t.Errorf("final errors = %v, want one ErrDecode saying \"and 2 more malformed lines\"", others)
	}
}

// errAfterReader returns its data, then err.
type procErrReader struct {
	data []byte
	err  error
}

func (r *procErrReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestParseProcNetReadError(t *testing.T) {
	boom := errors.New("boom")
	in := procHeader4 + procListenLine(0, 80, 7) + procListenLine(1, 81, 8)
	got, err := parseProcNet(nil, &procErrReader{[]byte(in), boom}, "flaky", procTCP, procIn4, model.AllStateSet)
	if !errors.Is(err, boom) || errors.Is(err, ErrDecode) {
		t.Errorf("err = %v, want it to wrap the read error and not ErrDecode", err)
	}
	if len(got) != 2 {
		t.Errorf("got %d sockets, want the 2 read before the error", len(got))
	}
}

func TestParseProcNetBadArgs(t *testing.T) {
	for _, tc := range []struct {
		proto  model.Proto
		family model.Family
	}{{0, procIn4}, {procTCP, 0}, {model.Proto(132), procIn6}} {
		in := procHeader4 + procListenLine(0, 80, 7)
		got, err := parseProcNet(nil, strings.NewReader(in), "x", tc.proto, tc.family, model.AllStateSet)
		if err == nil || len(got) != 0 {
			t.Errorf("parseProcNet(%v, %v) = %v, %v; want an error", tc.proto, tc.family, got, err)
		}
	}
}

func TestParseProcSockstat(t *testing.T) {
	var got procSockstat
	for _, name := range []string{"sockstat", "sockstat6"} {
		b, err := os.ReadFile(procCapturedPath(name))
		if err != nil {
			t.Fatal(err)
		}
		parseProcSockstat(&got, b)
	}
	want := procSockstat{tcp: 16, tw: 2, tcp6: 5, udp: 2, udp6: 4}
	if got != want {
		t.Errorf("parseProcSockstat = %+v, want %+v", got, want)
	}
	all := readSockstat(filepath.Join("..", "testdata", "proc", "captured", "net")).estimate([]model.Proto{procTCP, procUDP}, []model.Family{procIn4, procIn6})
	if want := 29 + 29/8 + 64; all != want {
		t.Errorf("estimate = %d, want %d", all, want)
	}
	if n := readSockstat(t.TempDir()).estimate([]model.Proto{procTCP}, []model.Family{procIn4}); n != 0 {
		t.Errorf("estimate without sockstat = %d, want 0", n)
	}
}

// procRoot makes a fake procfs root holding net/<name> for each file.
func procRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "net"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(root, "net", name)
		var err error
		if content == "<dir>" {
			err = os.Mkdir(p, 0o755)
		} else {
			err = os.WriteFile(p, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestReadProc(t *testing.T) {
	captured := filepath.Join("..", "testdata", "proc", "captured")
	all := slices.Concat(procCapturedWant["tcp"], procCapturedWant["tcp6"], procCapturedWant["udp"], procCapturedWant["udp6"])
	good := procHeader4 + procListenLine(0, 80, 7)
	tests := []struct {
		name    string
		cfg     Config
		want    []model.Socket
		wantErr []error // each must match with errors.Is
	}{
		{name: "captured", cfg: Config{ProcRoot: captured}, want: all},
		{
			name: "udp6 then tcp",
			cfg:  Config{ProcRoot: captured, Protos: []model.Proto{procUDP, procTCP}, Families: []model.Family{procIn6}},
			want: slices.Concat(procCapturedWant["udp6"], procCapturedWant["tcp6"]),
		},
		{
			name: "listening",
			cfg:  Config{ProcRoot: captured, States: model.ListeningStateSet},
			want: slices.DeleteFunc(slices.Clone(all), func(s model.Socket) bool { return !model.ListeningStateSet.Has(s.State) }),
		},
		{
			name: "no IPv6",
			cfg:  Config{ProcRoot: procRoot(t, map[string]string{"tcp": good, "udp": "   sl  local_address\n"})},
			want: []model.Socket{procSock(procTCP, procIn4, "127.0.0.1:80", "0.0.0.0:0", model.StateListen, 0, 0, 0, 0, 0, 0, 7)},
		},
		{
			name:    "no tcp",
			cfg:     Config{ProcRoot: procRoot(t, map[string]string{"tcp6": good, "udp": good, "udp6": good})},
			wantErr: []error{os.ErrNotExist},
		},
		{
			name:    "tcp6 unreadable",
			cfg:     Config{ProcRoot: procRoot(t, map[string]string{"tcp": good, "tcp6": "<dir>"}), Protos: []model.Proto{procTCP}},
			want:    []model.Socket{procSock(procTCP, procIn4, "127.0.0.1:80", "0.0.0.0:0", model.StateListen, 0, 0, 0, 0, 0, 0, 7)},
			wantErr: []error{syscall.EISDIR},
		},
		{
			name:    "malformed tcp, good udp",
			cfg:     Config{ProcRoot: procRoot(t, map[string]string{"tcp": good + "junk\n", "udp": "   sl  local_address\n"}), Families: []model.Family{procIn4}},
			want:    []model.Socket{procSock(procTCP, procIn4, "127.0.0.1:80", "0.0.0.0:0", model.StateListen, 0, 0, 0, 0, 0, 0, 7)},
			wantErr: []error{ErrDecode},
		},
		{
			name:    "unknown protocol",
			cfg:     Config{ProcRoot: captured, Protos: []model.Proto{132}},
			wantErr: []error{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := New(tc.cfg)
			var snap model.Snapshot
			err := c.readProc(&snap)
			if diff := cmp.Diff(tc.want, snap.Sockets, procCmp, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("sockets mismatch (-want +got):\n%s", diff)
			}
			if (err != nil) != (tc.wantErr != nil) {
				t.Fatalf("readProc error = %v, want error: %v", err, tc.wantErr != nil)
			}
			for _, target := range tc.wantErr {
				if !errors.Is(err, target) {
					t.Errorf("errors.Is(%v, %v) = false", err, target)
				}
			}
		})
	}
}

// TestReadProcPermission checks EACCES stays matchable. Root reads any file,
// so it runs unprivileged only.
func TestReadProcPermission(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("skipping: root is never refused a read")
	}
	root := procRoot(t, map[string]string{"tcp": procHeader4})
	if err := os.Chmod(filepath.Join(root, "net", "tcp"), 0); err != nil {
		t.Fatal(err)
	}
	err := New(Config{ProcRoot: root}).readProc(&model.Snapshot{})
	if !errors.Is(err, os.ErrPermission) || !errors.Is(err, syscall.EACCES) {
		t.Errorf("readProc = %v, want EACCES", err)
	}
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

// procBenchSockets makes n sockets of family as a busy server has them:
// a few listeners, mostly established connections, a quarter in TIME_WAIT.
func procBenchSockets(n int, family model.Family) []model.Socket {
	socks := make([]model.Socket, n)
	for i := range socks {
		a := [4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}
		local, remote := netip.AddrFrom4([4]byte{10, 0, 0, 1}), netip.AddrFrom4(a)
		if family == model.FamilyInet6 {
			local, remote = netip.MustParseAddr("2001:db8::1"), netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 12: a[0], 13: a[1], 14: a[2], 15: a[3]})
		}
		s := model.Socket{
			Proto: model.ProtoTCP, Family: family, State: model.StateEstablished,
			Local: netip.AddrPortFrom(local, 443), Remote: netip.AddrPortFrom(remote, uint16(32768+i%28000)),
			RecvQ: uint32(i % 7), SendQ: uint32(i % 1500), UID: 33, Inode: uint64(1_000_000 + i),
			Timer: model.Timer{Kind: model.TimerKeepalive, Expires: time.Duration(i%7200) * procTick},
		}
		switch {
		case i < 16:
			s.State, s.Remote, s.Timer = model.StateListen, netip.AddrPortFrom(netip.IPv4Unspecified(), 0), model.Timer{}
			if family == model.FamilyInet6 {
				s.Remote = netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
			}
		case i%4 == 0:
			s.State, s.Inode, s.UID, s.RecvQ, s.SendQ = model.StateTimeWait, 0, 0, 0, 0
			s.Timer = model.Timer{Kind: model.TimerTimewait, Expires: time.Duration(i%6000) * procTick}
		}
		socks[i] = s
	}
	return socks
}

// BenchmarkParseProcNet parses generated 130k-line files; ns/row is the
// figure to watch (the budget is well under 40 ms per 130k rows).
//
//	go test ./collect -run '^$' -bench 'ParseProcNet|ProcfsNetTCP|ReadProc' -benchmem
func BenchmarkParseProcNet(b *testing.B) {
	const rows = 130_000
	for _, bc := range []struct {
		name   string
		family model.Family
		states model.StateSet
	}{
		{"tcp/all", model.FamilyInet, model.AllStateSet},
		{"tcp6/all", model.FamilyInet6, model.AllStateSet},
		{"tcp/listening", model.FamilyInet, model.ListeningStateSet},
	} {
		b.Run(bc.name, func(b *testing.B) {
			in := formatProcNet(procBenchSockets(rows, bc.family), model.ProtoTCP, bc.family)
			r := bytes.NewReader(in)
			dst := make([]model.Socket, 0, rows)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				r.Reset(in)
				got, err := parseProcNet(dst[:0], r, "bench", model.ProtoTCP, bc.family, bc.states)
				if err != nil || len(got) == 0 {
					b.Fatalf("parseProcNet: %d sockets, %v", len(got), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
		})
	}
}

// BenchmarkProcfsNetTCP is the baseline parseProcNet replaces.
func BenchmarkProcfsNetTCP(b *testing.B) {
	const rows = 20_000
	root := b.TempDir()
	if err := os.Mkdir(filepath.Join(root, "net"), 0o755); err != nil {
		b.Fatal(err)
	}
	in := formatProcNet(procBenchSockets(rows, model.FamilyInet), model.ProtoTCP, model.FamilyInet)
	if err := os.WriteFile(filepath.Join(root, "net", "tcp"), in, 0o644); err != nil {
		b.Fatal(err)
	}
	fs, err := procfs.NewFS(root)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fs.NetTCP(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
}

// BenchmarkReadProc reads a fake root with 130k tcp rows into a fresh
// snapshot, with and without a sockstat to size the slice from.
func BenchmarkReadProc(b *testing.B) {
	const rows = 130_000
	in := formatProcNet(procBenchSockets(rows, model.FamilyInet), model.ProtoTCP, model.FamilyInet)
	for _, withSockstat := range []bool{false, true} {
		b.Run(fmt.Sprintf("sockstat=%v", withSockstat), func(b *testing.B) {
			root := b.TempDir()
			if err := os.Mkdir(filepath.Join(root, "net"), 0o755); err != nil {
				b.Fatal(err)
			}
			files := map[string][]byte{"tcp": in}
			if withSockstat {
				files["sockstat"] = fmt.Appendf(nil, "sockets: used %d\nTCP: inuse %d orphan 0 tw %d alloc %[2]d mem 1\nUDP: inuse 0 mem 0\n", rows, rows*3/4, rows/4)
			}
			for name, data := range files {
				if err := os.WriteFile(filepath.Join(root, "net", name), data, 0o644); err != nil {
					b.Fatal(err)
				}
			}
			c := New(Config{ProcRoot: root, Protos: []model.Proto{model.ProtoTCP}, Families: []model.Family{model.FamilyInet}})
			b.ReportAllocs()
			for b.Loop() {
				var snap model.Snapshot
				if err := c.readProc(&snap); err != nil || len(snap.Sockets) != rows {
					b.Fatalf("readProc: %d sockets, %v", len(snap.Sockets), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
		})
	}
}
