package collect

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
)

// The recorder: as root,
//
//	go test ./collect -run TestRecordTCPInfo -record-tcpinfo
//
// makes connections in a fresh namespace and writes the kernel's reply to
// one tcp_info request per socket into testdata/tcpinfo/NAME.bin (the
// netlink message as the kernel sent it, header included), and, next to
// it, what `ss -tinoenHa` printed for the same socket at the same moment
// into NAME.ss: the oracle the recorded replies are checked against.
var recordTCPInfo = flag.Bool("record-tcpinfo", false, "record testdata/tcpinfo from a fresh namespace")

// Byte counts moved over the test connections: more than one segment and
// one window's worth one way, less than a segment the other.
const (
	upBytes   = 200_000 // client to server
	downBytes = 3_000   // server to client
)

// tcpPair is an ESTABLISHED connection inside a namespace that moved
// upBytes one way and downBytes the other, with nothing left in flight.
type tcpPair struct {
	ln             net.Listener
	client, server *net.TCPConn
}

// listenTCP listens inside ns without MPTCP, which Go's listeners use by
// default where the kernel has it: the test is about plain TCP.
func listenTCP(ns *nstest.NS, addr string) (net.Listener, error) {
	lc := net.ListenConfig{KeepAlive: -1}
	lc.SetMultipathTCP(false)
	var ln net.Listener
	err := ns.Do(func() error {
		var err error
		ln, err = lc.Listen(context.Background(), "tcp", addr)
		return err
	})
	return ln, err
}

// newTCPPair listens on listen and dials dial (":PORT" is the listener's
// port), moves the bytes and waits until both ends have every byte
// acknowledged.
func newTCPPair(t *testing.T, ns *nstest.NS, listen, dial string) *tcpPair {
	t.Helper()
	ln, err := listenTCP(ns, listen)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	c, err := ns.Dial("tcp", net.JoinHostPort(dial, port))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpPair{ln: ln, client: c.(*net.TCPConn), server: s.(*net.TCPConn)}
	t.Cleanup(func() { p.client.Close(); p.server.Close() })

	errc := make(chan error, 2)
	go func() { _, err := p.client.Write(make([]byte, upBytes)); errc <- err }()
	go func() { _, err := p.server.Write(make([]byte, downBytes)); errc <- err }()
	if _, err := io.ReadFull(p.server, make([]byte, upBytes)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(p.client, make([]byte, downBytes)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	// The last ACKs may still be on their way (or delayed by the peer).
	deadline := time.Now().Add(5 * time.Second)
	for {
		cu, su := sockoptTCPInfo(t, p.client), sockoptTCPInfo(t, p.server)
		if cu.Unacked == 0 && su.Unacked == 0 && cu.Notsent_bytes == 0 && su.Notsent_bytes == 0 {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("segments still in flight after 5s: client %d, server %d unacknowledged", cu.Unacked, su.Unacked)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sockoptTCPInfo reads the socket's tcp_info through getsockopt, the
// kernel's other way of telling it, decoded by x/sys/unix's struct.
func sockoptTCPInfo(t *testing.T, c syscall.Conn) *unix.TCPInfo {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var info *unix.TCPInfo
	var gerr error
	if err := rc.Control(func(fd uintptr) {
		info, gerr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	}); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatal(gerr)
	}
	return info
}

// fromSockopt is what TCPInfo should say, as getsockopt says it. x/sys's
// struct leaves out the bitfields (window scales, app_limited), and the
// times since the last send and receive tick between the two calls: those
// are copied from got.
func fromSockopt(u *unix.TCPInfo, got model.TCPInfo) model.TCPInfo {
	us := func(v uint32) time.Duration { return time.Duration(v) * time.Microsecond }
	return model.TCPInfo{
		State:         model.State(u.State),
		CAState:       model.CAState(u.Ca_state),
		Options:       model.TCPOptions(u.Options),
		SndWScale:     got.SndWScale,
		RcvWScale:     got.RcvWScale,
		AppLimited:    got.AppLimited,
		RTT:           us(u.Rtt),
		RTTVar:        us(u.Rttvar),
		MinRTT:        us(u.Min_rtt),
		RcvRTT:        us(u.Rcv_rtt),
		RTO:           us(u.Rto),
		SndMSS:        u.Snd_mss,
		RcvMSS:        u.Rcv_mss,
		PMTU:          u.Pmtu,
		SndCwnd:       u.Snd_cwnd,
		SndSsthresh:   u.Snd_ssthresh,
		SndWnd:        u.Snd_wnd,
		RcvWnd:        u.Rcv_wnd,
		Unacked:       u.Unacked,
		Lost:          u.Lost,
		Retransmits:   u.Retransmits,
		Retrans:       u.Retrans,
		TotalRetrans:  u.Total_retrans,
		LastDataSent:  got.LastDataSent,
		LastDataRecv:  got.LastDataRecv,
		LastAckRecv:   got.LastAckRecv,
		BytesSent:     u.Bytes_sent,
		BytesRetrans:  u.Bytes_retrans,
		BytesAcked:    u.Bytes_acked,
		BytesReceived: u.Bytes_received,
		NotSentBytes:  u.Notsent_bytes,
		SegsOut:       u.Segs_out,
		SegsIn:        u.Segs_in,
		PacingRate:    u.Pacing_rate,
		DeliveryRate:  u.Delivery_rate,
		BusyTime:      time.Duration(u.Busy_time) * time.Microsecond,
		RwndLimited:   time.Duration(u.Rwnd_limited) * time.Microsecond,
		SndbufLimited: time.Duration(u.Sndbuf_limited) * time.Microsecond,
		Congestion:    got.Congestion,
	}
}

// unmapped is a net.Addr as model stores it.
func unmapped(a net.Addr) netip.AddrPort {
	ap := a.(*net.TCPAddr).AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// findSocket lists the namespace's TCP sockets and returns the one from
// local to remote.
func findSocket(t *testing.T, c *Collector, local, remote netip.AddrPort) model.Socket {
	t.Helper()
	snap, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snap.Sockets {
		if s.Local == local && s.Remote == remote {
			return s
		}
	}
	t.Fatalf("no socket %s -> %s among %d", local, remote, len(snap.Sockets))
	return model.Socket{}
}

// otherCongestion sets the namespace's default congestion control to one
// the kernel offers that is not the default it inherited, so that the
// name TCPInfo reports is shown to come from the namespace, and returns it.
func otherCongestion(t *testing.T, ns *nstest.NS) string {
	t.Helper()
	cur, err := ns.ReadSysctl("net.ipv4.tcp_congestion_control")
	if err != nil {
		t.Fatal(err)
	}
	avail, err := ns.ReadSysctl("net.ipv4.tcp_available_congestion_control")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range strings.Fields(avail) {
		if name != cur {
			if err := ns.Sysctl("net.ipv4.tcp_congestion_control", name); err != nil {
				t.Fatal(err)
			}
			return name
		}
	}
	return cur
}

// ssSockets runs `ss -tinoenHa` in ns and indexes what it prints by cookie.
func ssSockets(t *testing.T, ns *nstest.NS) (map[uint64]ssTCPInfo, string) {
	t.Helper()
	out, err := ns.Command("ss", "-tinoenHa").CombinedOutput()
	if err != nil {
		t.Fatalf("ss -tinoenHa: %v: %s", err, out)
	}
	byCookie := map[uint64]ssTCPInfo{}
	entries, err := parseSSTCPInfo(string(out))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		byCookie[e.cookie] = e
	}
	return byCookie, string(out)
}

// TestKernelTCPInfo makes a connection per family, moves known byte
// counts over it, and checks what TCPInfo says of each end against what
// the test did, against getsockopt(TCP_INFO) on the same socket, and
// against ss.
func TestKernelTCPInfo(t *testing.T) {
	for _, tt := range []struct {
		name, listen, dial   string
		clientFam, serverFam model.Family
	}{
		{"ipv4", "127.0.0.1:0", "127.0.0.1", model.FamilyInet, model.FamilyInet},
		{"ipv6", "[::1]:0", "::1", model.FamilyInet6, model.FamilyInet6},
		// A dual-stack listener: the accepted end is IPv6 with v4-mapped
		// addresses, stored unmapped.
		{"v4-mapped", "[::]:0", "127.0.0.1", model.FamilyInet, model.FamilyInet6},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ns := nstest.Require(t)
			cong := otherCongestion(t, ns)
			p := newTCPPair(t, ns, tt.listen, tt.dial)
			c := New(Config{NetNS: ns.Path(), Mode: ModeNetlink, Protos: []model.Proto{model.ProtoTCP}})
			ss, ssOut := ssSockets(t, ns)

			for _, end := range []struct {
				name                  string
				conn                  *net.TCPConn
				sent, received, acked uint64
				family                model.Family
			}{
				// The client opened: its SYN took a sequence number the
				// server acknowledged, so it counts one byte acked more
				// than it sent. The server's SYN-ACK is not counted: its
				// socket is born with the SYN-ACK acknowledged.
				{"client", p.client, upBytes, downBytes, upBytes + 1, tt.clientFam},
				{"server", p.server, downBytes, upBytes, downBytes, tt.serverFam},
			} {
				t.Run(end.name, func(t *testing.T) {
					s := findSocket(t, c, unmapped(end.conn.LocalAddr()), unmapped(end.conn.RemoteAddr()))
					if s.Family != end.family {
						t.Fatalf("socket %s is %s, want %s", tuple(&s), s.Family, end.family)
					}
					got, err := c.TCPInfo(context.Background(), s)
					if err != nil {
						t.Fatal(err)
					}
					// bytes_sent counts retransmitted bytes again. Loopback
					// loses nothing, but on a loaded machine a stalled
					// receiver can let the retransmission timer fire; what
					// was sent less what was sent again is what the test wrote.
					if got.State != model.StateEstablished || got.BytesSent-got.BytesRetrans != end.sent || got.BytesReceived != end.received ||
						got.BytesAcked != end.acked || got.BytesRetrans > got.BytesSent || got.Congestion != cong {
						t.Errorf("%s: state %s, sent %d, received %d, acked %d, retransmitted %d, congestion %q; want ESTABLISHED, %d (+ retransmitted), %d, %d, %q",
							tuple(&s), got.State, got.BytesSent, got.BytesReceived, got.BytesAcked, got.BytesRetrans, got.Congestion,
							end.sent, end.received, end.acked, cong)
					}
					if got.RTT <= 0 || got.MinRTT <= 0 || got.SndMSS == 0 || got.SndCwnd == 0 || !got.Options.Has(model.TCPOptTimestamps|model.TCPOptSACK|model.TCPOptWindowScale) {
						t.Errorf("%s: rtt %v, min rtt %v, mss %d, cwnd %d, options %q: want them set", tuple(&s), got.RTT, got.MinRTT, got.SndMSS, got.SndCwnd, got.Options)
					}
					if diff := cmp.Diff(fromSockopt(sockoptTCPInfo(t, end.conn), got), got); diff != "" {
						t.Errorf("netlink and getsockopt disagree (-getsockopt +netlink)\n%s", diff)
					}
					e, ok := ss[s.Cookie]
					if !ok {
						t.Fatalf("ss does not list cookie %x:\n%s", s.Cookie, ssOut)
					}
					if diff := cmp.Diff(e.view(), ssView(got)); diff != "" {
						t.Errorf("ss and TCPInfo disagree (-ss +TCPInfo)\n%s\nss:\n%s", diff, ssOut)
					}
				})
			}
		})
	}
}

// TestKernelTCPInfoListen asks for a LISTEN socket's tcp_info: the kernel
// fills only a few fields for a listener, and tells the accept queue's
// length in tcpi_unacked.
func TestKernelTCPInfoListen(t *testing.T) {
	ns := nstest.Require(t)
	cong := otherCongestion(t, ns)
	ln, err := listenTCP(ns, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// One connection waits in the accept queue.
	waiting, err := ns.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer waiting.Close()
	c := New(Config{NetNS: ns.Path(), Mode: ModeNetlink, Protos: []model.Proto{model.ProtoTCP}})
	s := findSocket(t, c, unmapped(ln.Addr()), netip.AddrPortFrom(netip.IPv4Unspecified(), 0))
	got, err := c.TCPInfo(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	want := fromSockopt(sockoptTCPInfo(t, ln.(*net.TCPListener)), got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("netlink and getsockopt disagree (-getsockopt +netlink)\n%s", diff)
	}
	if got.State != model.StateListen || got.Unacked != 1 || got.Congestion != cong || got.PacingRate != model.RateUnlimited || got.RTT != 0 {
		t.Errorf("listener: state %s, accept queue %d, congestion %q, pacing rate %d, rtt %v; want LISTEN, 1, %q, unlimited, 0",
			got.State, got.Unacked, got.Congestion, got.PacingRate, got.RTT, cong)
	}
	ss, ssOut := ssSockets(t, ns)
	if diff := cmp.Diff(ss[s.Cookie].view(), ssView(got)); diff != "" {
		t.Errorf("ss and TCPInfo disagree (-ss +TCPInfo)\n%s\nss:\n%s", diff, ssOut)
	}
}

// TestKernelTCPInfoGone closes a connection, the client first: half
// closed, the client (FIN_WAIT2) still has tcp_info; then the server's
// socket is freed once the client acknowledges its FIN (ErrGone), and the
// client's becomes TIME_WAIT, which the kernel still finds by its
// addresses and cookie (a TIME_WAIT socket inherits the cookie) but keeps
// no tcp_info for: ErrNoInfo, for the minute TIME_WAIT lasts; ErrGone
// after. A cookie that is not the socket's is ErrGone too.
func TestKernelTCPInfoGone(t *testing.T) {
	ns := nstest.Require(t)
	p := newTCPPair(t, ns, "127.0.0.1:0", "127.0.0.1")
	c := New(Config{NetNS: ns.Path(), Mode: ModeNetlink, Protos: []model.Proto{model.ProtoTCP}})
	client := findSocket(t, c, unmapped(p.client.LocalAddr()), unmapped(p.client.RemoteAddr()))
	server := findSocket(t, c, unmapped(p.server.LocalAddr()), unmapped(p.server.RemoteAddr()))

	// A cookie that is not the socket's, as when the addresses are held
	// by a newer socket than the one asked about: gone (the kernel says
	// ENOENT; older kernels said ESTALE).
	stale := client
	stale.Cookie ^= 1
	if _, err := c.TCPInfo(context.Background(), stale); !errors.Is(err, ErrGone) {
		t.Errorf("wrong cookie: err = %v, want ErrGone", err)
	}

	// Half closed: the client's FIN takes a sequence number too, and
	// FIN_WAIT2 still has tcp_info.
	if err := p.client.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, p.server); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		if u := sockoptTCPInfo(t, p.client); u.State == uint8(model.StateFinWait2) && u.Unacked == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("client not in FIN_WAIT2 after 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	half, err := c.TCPInfo(context.Background(), client)
	if err != nil || half.State != model.StateFinWait2 || half.BytesAcked != upBytes+2 {
		t.Errorf("half closed: state %s, acked %d, err %v; want FIN_WAIT2, %d (data, SYN and FIN), nil", half.State, half.BytesAcked, err, upBytes+2)
	}

	p.client.Close()
	p.server.Close()
	var tw model.Socket
	deadline := time.Now().Add(5 * time.Second)
	for {
		snap, err := c.Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		tw = model.Socket{}
		serverLeft := false
		for _, s := range snap.Sockets {
			switch {
			case s.Local == client.Local && s.Remote == client.Remote && s.State == model.StateTimeWait:
				tw = s
			case s.Local == server.Local && s.Remote == server.Remote:
				serverLeft = true
			}
		}
		if tw.State == model.StateTimeWait && !serverLeft {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 5s: client in TIME_WAIT %v, server socket still there %v", tw.State == model.StateTimeWait, serverLeft)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if tw.Cookie != client.Cookie {
		t.Errorf("TIME_WAIT cookie %x, ESTABLISHED cookie %x: want the same", tw.Cookie, client.Cookie)
	}

	_, err = c.TCPInfo(context.Background(), server)
	if !errors.Is(err, ErrGone) || !errors.Is(err, unix.ENOENT) || !strings.Contains(err.Error(), server.Local.String()) {
		t.Errorf("closed socket: err = %v, want ErrGone wrapping ENOENT, naming %s", err, server.Local)
	}
	// Asked for as the snapshot saw it (ESTABLISHED) or as it is now.
	for _, s := range []model.Socket{client, tw} {
		_, err := c.TCPInfo(context.Background(), s)
		if !errors.Is(err, ErrNoInfo) || errors.Is(err, ErrGone) || !strings.Contains(err.Error(), "TIME_WAIT") {
			t.Errorf("%s: err = %v, want ErrNoInfo naming TIME_WAIT", tuple(&s), err)
		}
	}
}

// TestKernelTCPInfoBoundToDevice asks for a socket bound to lo
// (SO_BINDTODEVICE): the kernel finds it only when the request names the
// interface, which TCPInfo learns by trying the namespace's.
func TestKernelTCPInfoBoundToDevice(t *testing.T) {
	ns := nstest.Require(t)
	ln, err := listenTCP(ns, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	d := net.Dialer{KeepAlive: -1, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE, "lo")
		}); err != nil {
			return err
		}
		return serr
	}}
	var conn net.Conn
	if err := ns.Do(func() error {
		var err error
		conn, err = d.Dial("tcp", ln.Addr().String())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	const n = 10
	if _, err := conn.Write(make([]byte, n)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(server, make([]byte, n)); err != nil {
		t.Fatal(err)
	}
	c := New(Config{NetNS: ns.Path(), Mode: ModeNetlink, Protos: []model.Proto{model.ProtoTCP}})
	s := findSocket(t, c, unmapped(conn.LocalAddr()), unmapped(conn.RemoteAddr()))
	got, err := c.TCPInfo(context.Background(), s)
	if err != nil || got.State != model.StateEstablished || got.BytesSent != n {
		t.Fatalf("bound to lo: state %s, %d bytes sent, err %v; want ESTABLISHED, %d, nil", got.State, got.BytesSent, err, n)
	}
}

// TestRecordTCPInfo records testdata/tcpinfo (see recordTCPInfo).
func TestRecordTCPInfo(t *testing.T) {
	if !*recordTCPInfo {
		t.Skip("records fixtures only with -record-tcpinfo")
	}
	ns := nstest.Require(t)
	v4 := newTCPPair(t, ns, "127.0.0.1:0", "127.0.0.1")
	mapped := newTCPPair(t, ns, "[::]:0", "127.0.0.1")
	closing := newTCPPair(t, ns, "127.0.0.1:0", "127.0.0.1")
	c := New(Config{NetNS: ns.Path(), Mode: ModeNetlink, Protos: []model.Proto{model.ProtoTCP}})
	socks := map[string]model.Socket{
		"ipv4-client":   findSocket(t, c, unmapped(v4.client.LocalAddr()), unmapped(v4.client.RemoteAddr())),
		"ipv4-server":   findSocket(t, c, unmapped(v4.server.LocalAddr()), unmapped(v4.server.RemoteAddr())),
		"mapped-server": findSocket(t, c, unmapped(mapped.server.LocalAddr()), unmapped(mapped.server.RemoteAddr())),
		"listen":        findSocket(t, c, unmapped(v4.ln.Addr()), netip.AddrPortFrom(netip.IPv4Unspecified(), 0)),
		"time-wait":     findSocket(t, c, unmapped(closing.client.LocalAddr()), unmapped(closing.client.RemoteAddr())),
	}
	closing.client.Close()
	if _, err := io.Copy(io.Discard, closing.server); err != nil {
		t.Fatal(err)
	}
	closing.server.Close()
	time.Sleep(50 * time.Millisecond) // the client's last ACK

	var conn *netlink.Conn
	if err := withNetNS(ns.Path(), func() error {
		var err error
		conn, err = dialSockDiag()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := os.MkdirAll(tcpinfoDir, 0o755); err != nil {
		t.Fatal(err)
	}
	ss, _ := ssSockets(t, ns)
	for name, s := range socks {
		req, err := tcpInfoRequest(&s)
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := conn.Execute(netlink.Message{Header: netlink.Header{Type: sockDiagByFamily, Flags: netlink.Request}, Data: req})
		if err != nil || len(msgs) != 1 {
			t.Fatalf("%s: %d messages, %v", name, len(msgs), err)
		}
		raw, err := msgs[0].MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tcpinfoDir, name+".bin"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		e, ok := ss[s.Cookie]
		if !ok {
			continue // TIME_WAIT: ss prints no tcp_info either
		}
		if e.state == "TIME-WAIT" {
			continue
		}
		text := fmt.Sprintf("%s\n\t%s\n", e.line, e.info)
		if err := os.WriteFile(filepath.Join(tcpinfoDir, name+".ss"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
