package nstest

import (
	"fmt"
	"io"
	"maps"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// KnownSet is a namespace filled with one socket of each kind a
// connection table shows, and the 5-tuples and states the kernel must
// report for them.
type KnownSet struct {
	// Want holds every socket in the namespace, with Proto, Family, State,
	// Local and Remote set. IPv4-mapped addresses are stored unmapped, as
	// model does.
	Want    []model.Socket
	closers []io.Closer
	fds     []int
}

// Close closes every socket the set holds.
func (k *KnownSet) Close() error {
	for _, c := range k.closers {
		c.Close()
	}
	for _, fd := range k.fds {
		unix.Close(fd)
	}
	return nil
}

// BuildKnownSet fills ns with:
//
//   - LISTEN on 127.0.0.1:8001 (IPv4), [::1]:8002 (IPv6 only) and [::]:8003
//     (dual-stack);
//   - an ESTABLISHED pair to 8001, and one over IPv4 to the dual-stack
//     listener, whose accepted end is IPv6 with v4-mapped addresses;
//   - a TIME_WAIT (client closed first);
//   - CLOSE_WAIT with its FIN_WAIT2 peer, twice: the client shut its side
//     down (a full socket), and the client closed (a FIN_WAIT2 minisocket);
//   - a LISTEN socket on 127.0.0.1:8004 with backlog 0 holding one
//     ESTABLISHED connection in its full accept queue, and a client stuck
//     in SYN_SENT behind it (tcp_syncookies=0 makes the kernel drop its SYN);
//   - a TCP socket bound to 127.0.0.1:8005 and never used (BOUND_INACTIVE;
//     only sock_diag on Linux 6.8 and later shows it);
//   - UDP unconnected on 127.0.0.1:5300 and [::1]:5301, and a connected UDP
//     socket to 127.0.0.1:5300.
//
// It returns once the kernel holds exactly these sockets: the last ACK of
// a closing pair can still be in flight when the calls that made it return.
func BuildKnownSet(ns *NS) (*KnownSet, error) {
	k := &KnownSet{}
	if err := k.build(ns); err != nil {
		k.Close()
		return nil, err
	}
	if err := k.settle(ns); err != nil {
		k.Close()
		return nil, err
	}
	return k, nil
}

// settle waits, up to five seconds, until the TCP states in the
// namespace's /proc/net/tcp and tcp6 are those of Want (bound-only sockets
// aside: /proc does not list them).
func (k *KnownSet) settle(ns *NS) error {
	want := map[model.State]int{}
	for _, s := range k.Want {
		if s.Proto == tcp && s.State != model.StateBoundInactive {
			want[s.State]++
		}
	}
	var got map[model.State]int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		got = map[model.State]int{}
		err := ns.Do(func() error {
			for _, name := range []string{"tcp", "tcp6"} {
				b, err := os.ReadFile("/proc/thread-self/net/" + name)
				if err != nil {
					return err
				}
				lines := strings.Split(strings.TrimSpace(string(b)), "\n")
				for _, line := range lines[1:] {
					f := strings.Fields(line)
					if len(f) < 4 {
						return fmt.Errorf("nstest: /proc/net/%s line %q", name, line)
					}
					st, err := strconv.ParseUint(f[3], 16, 8)
					if err != nil {
						return fmt.Errorf("nstest: /proc/net/%s line %q: %v", name, line, err)
					}
					got[model.State(st)]++
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if maps.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("nstest: the known set did not settle: TCP states %v, want %v", got, want)
}

func (k *KnownSet) want(p model.Proto, f model.Family, st model.State, local, remote net.Addr) {
	k.Want = append(k.Want, model.Socket{Proto: p, Family: f, State: st, Local: addrPort(local), Remote: addrPort(remote)})
}

func addrPort(a net.Addr) netip.AddrPort {
	var ap netip.AddrPort
	switch a := a.(type) {
	case *net.TCPAddr:
		ap = a.AddrPort()
	case *net.UDPAddr:
		ap = a.AddrPort()
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

func any4(port uint16) net.Addr { return &net.TCPAddr{IP: net.IPv4zero, Port: int(port)} }
func any6(port uint16) net.Addr { return &net.TCPAddr{IP: net.IPv6zero, Port: int(port)} }

const (
	tcp, udp    = model.ProtoTCP, model.ProtoUDP
	inet, inet6 = model.FamilyInet, model.FamilyInet6
)

func (k *KnownSet) build(ns *NS) error {
	if err := ns.Sysctl("net.ipv4.tcp_syncookies", "0"); err != nil {
		return err
	}
	listen := func(network, addr string, f model.Family) (net.Listener, error) {
		l, err := ns.Listen(network, addr)
		if err != nil {
			return nil, err
		}
		k.closers = append(k.closers, l)
		k.want(tcp, f, model.StateListen, l.Addr(), any4(0))
		if f == inet6 {
			k.Want[len(k.Want)-1].Remote = netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
		}
		return l, nil
	}
	l4, err := listen("tcp4", "127.0.0.1:8001", inet)
	if err != nil {
		return err
	}
	if _, err := listen("tcp6", "[::1]:8002", inet6); err != nil {
		return err
	}
	ld, err := listen("tcp", "[::]:8003", inet6)
	if err != nil {
		return err
	}
	// The dual-stack listener must accept IPv4: the net package sets
	// IPV6_V6ONLY=0 for "tcp" on [::].

	// connect dials l and accepts, returning both ends.
	connect := func(l net.Listener, network, addr string) (client, server net.Conn, err error) {
		client, err = ns.Dial(network, addr)
		if err != nil {
			return nil, nil, err
		}
		server, err = l.Accept()
		if err != nil {
			client.Close()
			return nil, nil, err
		}
		return client, server, nil
	}

	// ESTABLISHED pairs.
	c, s, err := connect(l4, "tcp4", "127.0.0.1:8001")
	if err != nil {
		return err
	}
	k.closers = append(k.closers, c, s)
	k.want(tcp, inet, model.StateEstablished, c.LocalAddr(), c.RemoteAddr())
	k.want(tcp, inet, model.StateEstablished, s.LocalAddr(), s.RemoteAddr())

	c, s, err = connect(ld, "tcp4", "127.0.0.1:8003")
	if err != nil {
		return err
	}
	k.closers = append(k.closers, c, s)
	k.want(tcp, inet, model.StateEstablished, c.LocalAddr(), c.RemoteAddr())
	k.want(tcp, inet6, model.StateEstablished, s.LocalAddr(), s.RemoteAddr()) // v4-mapped

	// TIME_WAIT: the client closes first, the server answers with its FIN.
	c, s, err = connect(l4, "tcp4", "127.0.0.1:8001")
	if err != nil {
		return err
	}
	k.want(tcp, inet, model.StateTimeWait, c.LocalAddr(), c.RemoteAddr())
	c.Close()
	if err := drain(s); err != nil {
		return err
	}
	s.Close()

	// CLOSE_WAIT with a full FIN_WAIT2 peer: the client shuts down writing.
	c, s, err = connect(l4, "tcp4", "127.0.0.1:8001")
	if err != nil {
		return err
	}
	k.closers = append(k.closers, c, s)
	k.want(tcp, inet, model.StateFinWait2, c.LocalAddr(), c.RemoteAddr())
	k.want(tcp, inet, model.StateCloseWait, s.LocalAddr(), s.RemoteAddr())
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return err
	}
	if err := drain(s); err != nil {
		return err
	}

	// CLOSE_WAIT with a FIN_WAIT2 minisocket peer: the client closes, the
	// server never does.
	c, s, err = connect(ld, "tcp6", "[::1]:8003")
	if err != nil {
		return err
	}
	k.closers = append(k.closers, s)
	k.want(tcp, inet6, model.StateFinWait2, c.LocalAddr(), c.RemoteAddr())
	k.want(tcp, inet6, model.StateCloseWait, s.LocalAddr(), s.RemoteAddr())
	c.Close()
	if err := drain(s); err != nil {
		return err
	}

	// A full accept queue and a SYN_SENT client behind it.
	if err := k.synSent(ns); err != nil {
		return err
	}

	// Bound, never listening nor connecting.
	if err := ns.Do(func() error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		k.fds = append(k.fds, fd)
		return unix.Bind(fd, &unix.SockaddrInet4{Port: 8005, Addr: [4]byte{127, 0, 0, 1}})
	}); err != nil {
		return err
	}
	k.want(tcp, inet, model.StateBoundInactive, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8005}, any4(0))

	// UDP.
	u4, err := ns.ListenPacket("udp4", "127.0.0.1:5300")
	if err != nil {
		return err
	}
	k.closers = append(k.closers, u4)
	k.want(udp, inet, model.StateUnconn, u4.LocalAddr(), any4(0))
	u6, err := ns.ListenPacket("udp6", "[::1]:5301")
	if err != nil {
		return err
	}
	k.closers = append(k.closers, u6)
	k.want(udp, inet6, model.StateUnconn, u6.LocalAddr(), any6(0))
	uc, err := ns.Dial("udp4", "127.0.0.1:5300")
	if err != nil {
		return err
	}
	k.closers = append(k.closers, uc)
	k.want(udp, inet, model.StateEstablished, uc.LocalAddr(), uc.RemoteAddr())
	return nil
}

// drain reads c until the peer's FIN.
func drain(c net.Conn) error {
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, c)
	return err
}

// synSent makes a listener with backlog 0, fills its accept queue with one
// connection, and leaves a second client in SYN_SENT.
func (k *KnownSet) synSent(ns *NS) error {
	lo := [4]byte{127, 0, 0, 1}
	return ns.Do(func() error {
		lfd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		k.fds = append(k.fds, lfd)
		if err := unix.Bind(lfd, &unix.SockaddrInet4{Port: 8004, Addr: lo}); err != nil {
			return err
		}
		if err := unix.Listen(lfd, 0); err != nil {
			return err
		}
		k.want(tcp, inet, model.StateListen, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8004}, any4(0))

		// The first connection completes and waits in the accept queue.
		first, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		k.fds = append(k.fds, first)
		if err := unix.Connect(first, &unix.SockaddrInet4{Port: 8004, Addr: lo}); err != nil {
			return fmt.Errorf("first connect: %w", err)
		}
		fa, err := sockname(first)
		if err != nil {
			return err
		}
		srv := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8004}
		k.want(tcp, inet, model.StateEstablished, fa, srv)
		k.want(tcp, inet, model.StateEstablished, srv, fa)

		// The second one's SYN is dropped: the queue is full.
		second, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		k.fds = append(k.fds, second)
		if err := unix.Connect(second, &unix.SockaddrInet4{Port: 8004, Addr: lo}); err != unix.EINPROGRESS {
			return fmt.Errorf("second connect: got %v, want EINPROGRESS", err)
		}
		sa, err := sockname(second)
		if err != nil {
			return err
		}
		k.want(tcp, inet, model.StateSynSent, sa, srv)
		return nil
	})
}

func sockname(fd int) (net.Addr, error) {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil, err
	}
	in4, ok := sa.(*unix.SockaddrInet4)
	if !ok {
		return nil, fmt.Errorf("getsockname: %T", sa)
	}
	return &net.TCPAddr{IP: net.IP(in4.Addr[:]), Port: in4.Port}, nil
}
