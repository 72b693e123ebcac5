//go:build linux

package collect

// The sockets the /proc fixture recorder and TestProcLive make in a network
// namespace of their own: one of each state and shape /proc/net prints
// differently.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
)

// procScenario is the set of sockets the recorder and the live tests make,
// and what the kernel must list for them (Proto, Family, State, Local,
// Remote; v4-mapped addresses unmapped, as model stores them).
type procScenario struct {
	want    []model.Socket
	closers []io.Closer
}

func (s *procScenario) Close() {
	for _, c := range slices.Backward(s.closers) {
		c.Close()
	}
}

func (s *procScenario) keep(c io.Closer) { s.closers = append(s.closers, c) }

func (s *procScenario) expect(proto model.Proto, family model.Family, state model.State, local, remote string) {
	s.want = append(s.want, model.Socket{Proto: proto, Family: family, State: state,
		Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort(remote)})
}

// buildProcScenario makes, inside ns, TCP listeners, established,
// TIME_WAIT, FIN_WAIT2 (whole and orphaned), CLOSE_WAIT and SYN_RECV
// sockets, IPv6 and v4-mapped ones, and UDP sockets connected and not, all
// on fixed loopback ports.
func buildProcScenario(ns *nstest.NS) (*procScenario, error) {
	s := &procScenario{}
	// One thread inside ns makes every socket, so all of them live there.
	if err := ns.Do(s.build); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// build makes the scenario's sockets in the calling thread's namespace.
// It dials and listens itself rather than through ns.Dial and ns.Listen:
// it needs fixed client ports, a socket option on one listener, and Go's
// default keepalive, whose timers the captured fixture shows.
func (s *procScenario) build() error {
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
	// connect dials l from local and accepts: both ends, both kept.
	connect := func(l net.Listener, network, local, remote string) (client *net.TCPConn, server net.Conn, err error) {
		if client, err = dial(network, local, remote); err != nil {
			return nil, nil, err
		}
		if server, err = l.Accept(); err != nil {
			return nil, nil, err
		}
		s.keep(server)
		return client, server, nil
	}

	// IPv4 listener with one connection of each closing stage.
	l8080, err := listen("tcp4", "127.0.0.1:8080", nil)
	if err != nil {
		return err
	}
	s.expect(procTCP, procIn4, model.StateListen, "127.0.0.1:8080", "0.0.0.0:0")
	// Established, 5 bytes left unread at the server.
	c, _, err := connect(l8080, "tcp4", "127.0.0.1:40001", "127.0.0.1:8080")
	if err != nil {
		return err
	}
	if _, err := c.Write([]byte("hello")); err != nil {
		return err
	}
	s.expect(procTCP, procIn4, model.StateEstablished, "127.0.0.1:40001", "127.0.0.1:8080")
	s.expect(procTCP, procIn4, model.StateEstablished, "127.0.0.1:8080", "127.0.0.1:40001")
	// TIME_WAIT: the client closes first, then the server.
	c, sc, err := connect(l8080, "tcp4", "127.0.0.1:40002", "127.0.0.1:8080")
	if err != nil {
		return err
	}
	c.Close()
	if _, err := io.ReadAll(sc); err != nil {
		return err
	}
	sc.Close()
	s.expect(procTCP, procIn4, model.StateTimeWait, "127.0.0.1:40002", "127.0.0.1:8080")
	// FIN_WAIT2 / CLOSE_WAIT: the client shuts down writing and keeps its socket.
	if c, _, err = connect(l8080, "tcp4", "127.0.0.1:40003", "127.0.0.1:8080"); err != nil {
		return err
	}
	if err := c.CloseWrite(); err != nil {
		return err
	}
	s.expect(procTCP, procIn4, model.StateFinWait2, "127.0.0.1:40003", "127.0.0.1:8080")
	s.expect(procTCP, procIn4, model.StateCloseWait, "127.0.0.1:8080", "127.0.0.1:40003")
	// FIN_WAIT2, orphaned: the client closes its socket, which the kernel
	// turns into a timewait socket in substate FIN_WAIT2 (the short line).
	if c, _, err = connect(l8080, "tcp4", "127.0.0.1:40004", "127.0.0.1:8080"); err != nil {
		return err
	}
	c.Close()
	s.expect(procTCP, procIn4, model.StateFinWait2, "127.0.0.1:40004", "127.0.0.1:8080")
	s.expect(procTCP, procIn4, model.StateCloseWait, "127.0.0.1:8080", "127.0.0.1:40004")

	// Send queue: the server never reads and advertises a small window,
	// so the client's data waits unsent (tx_queue) behind a persist timer.
	if c, _, err = connect(l8080, "tcp4", "127.0.0.1:40005", "127.0.0.1:8080"); err != nil {
		return err
	}
	c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := c.Write(make([]byte, 8<<20)); !errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("filling the send queue: %v, want a timeout", err)
	}
	s.expect(procTCP, procIn4, model.StateEstablished, "127.0.0.1:40005", "127.0.0.1:8080")
	s.expect(procTCP, procIn4, model.StateEstablished, "127.0.0.1:8080", "127.0.0.1:40005")

	// Two connections waiting in an accept queue: RecvQ 2 on the listener,
	// and children with no inode yet.
	if _, err := listen("tcp4", "127.0.0.1:8081", nil); err != nil {
		return err
	}
	s.expect(procTCP, procIn4, model.StateListen, "127.0.0.1:8081", "0.0.0.0:0")
	for _, port := range []string{"40011", "40012"} {
		if _, err := dial("tcp4", "127.0.0.1:"+port, "127.0.0.1:8081"); err != nil {
			return err
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
		return err
	}
	s.expect(procTCP, procIn4, model.StateListen, "127.0.0.1:8082", "0.0.0.0:0")
	if _, err := dial("tcp4", "127.0.0.1:40021", "127.0.0.1:8082"); err != nil {
		return err
	}
	s.expect(procTCP, procIn4, model.StateEstablished, "127.0.0.1:40021", "127.0.0.1:8082")
	s.expect(procTCP, procIn4, model.StateSynRecv, "127.0.0.1:8082", "127.0.0.1:40021")

	// IPv6.
	l8443, err := listen("tcp6", "[::1]:8443", nil)
	if err != nil {
		return err
	}
	s.expect(procTCP, procIn6, model.StateListen, "[::1]:8443", "[::]:0")
	if _, _, err := connect(l8443, "tcp6", "[::1]:40031", "[::1]:8443"); err != nil {
		return err
	}
	s.expect(procTCP, procIn6, model.StateEstablished, "[::1]:40031", "[::1]:8443")
	s.expect(procTCP, procIn6, model.StateEstablished, "[::1]:8443", "[::1]:40031")

	// Dual-stack listener; an IPv4 client makes a v4-mapped tcp6 socket.
	l8444, err := listen("tcp", "[::]:8444", nil)
	if err != nil {
		return err
	}
	s.expect(procTCP, procIn6, model.StateListen, "[::]:8444", "[::]:0")
	if _, _, err := connect(l8444, "tcp4", "127.0.0.1:40041", "127.0.0.1:8444"); err != nil {
		return err
	}
	s.expect(procTCP, procIn4, model.StateEstablished, "127.0.0.1:40041", "127.0.0.1:8444")
	s.expect(procTCP, procIn6, model.StateEstablished, "127.0.0.1:8444", "127.0.0.1:40041")

	// UDP, IPv4: one datagram left unread on the unconnected socket.
	u, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:5353")))
	if err != nil {
		return err
	}
	s.keep(u)
	s.expect(procUDP, procIn4, model.StateUnconn, "127.0.0.1:5353", "0.0.0.0:0")
	uc, err := net.DialUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:40051")), net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:5353")))
	if err != nil {
		return err
	}
	s.keep(uc)
	if _, err := uc.Write([]byte("ping")); err != nil {
		return err
	}
	s.expect(procUDP, procIn4, model.StateEstablished, "127.0.0.1:40051", "127.0.0.1:5353")
	// UDP, IPv6.
	if u, err = net.ListenUDP("udp6", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("[::1]:5354"))); err != nil {
		return err
	}
	s.keep(u)
	s.expect(procUDP, procIn6, model.StateUnconn, "[::1]:5354", "[::]:0")
	if uc, err = net.DialUDP("udp6", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("[::1]:40052")), net.UDPAddrFromAddrPort(netip.MustParseAddrPort("[::1]:5354"))); err != nil {
		return err
	}
	s.keep(uc)
	s.expect(procUDP, procIn6, model.StateEstablished, "[::1]:40052", "[::1]:5354")
	// UDP, dual-stack: one unconnected, one connected to a v4-mapped peer.
	if u, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("[::]:5356"))); err != nil {
		return err
	}
	s.keep(u)
	s.expect(procUDP, procIn6, model.StateUnconn, "[::]:5356", "[::]:0")
	fd, err := procMappedUDP(5355, netip.MustParseAddr("::ffff:127.0.0.1"), 5353)
	if err != nil {
		return err
	}
	s.keep(fd)
	s.expect(procUDP, procIn6, model.StateEstablished, "127.0.0.1:5355", "127.0.0.1:5353")
	return nil
}

// procMappedUDP makes a dual-stack UDP socket on [::]:port connected to the
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
