//go:build linux

package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// A holder is this binary run with holderArg inside the namespace. It
// makes and holds its part of the fixture, then answers requests on stdin,
// one per line, with one line on stdout:
//
//	tw N   make N TIME_WAIT sockets; answers "ok N" or "error ..."
//
// It exits when stdin closes, so a harness that dies takes its holders
// with it.
const holderArg = "-holder"

// Protocol words.
const (
	reqTimeWait = "tw"
	respReady   = "ready"
	respOK      = "ok"
	respError   = "error"
)

// Ports below ip_local_port_range (1024-65535 in the fixture), so that no
// ephemeral port can take them first.
const (
	estabPort = 900
	twPort    = 901
	udpPort   = 902
	halfPort  = 903
	// Holder i's IPv6-only listener is [::1]:v6Port+i, its dual-stack one
	// [::]:mappedPort+i, and the one its TIME_WAIT clients over IPv6 go
	// to [::1]:twV6Port+i: one address for all, so one port each.
	twV6Port   = 100
	v6Port     = 300
	mappedPort = 600
	// maxHolders keeps those ports apart and below 1024.
	maxHolders = 200
)

// The mix of a holder's ESTABLISHED connections: a quarter over IPv6
// (::1 to an IPv6-only listener), an eighth from IPv4 clients to a
// dual-stack listener, so the accepted end is an IPv6 socket with
// v4-mapped addresses, the rest IPv4. And halfClosed connections whose
// client shut its side down: the client in FIN_WAIT2, the server, which
// never closes, in CLOSE_WAIT.
const (
	v6Div      = 4
	mappedDiv  = 8
	halfClosed = 10
)

// holderAddrs are the destinations of holder i: its own addresses in
// 127.0.0.0/8, so that 4-tuples never run out.
func holderAddrs(i int) (estab, tw, udp netip.AddrPort) {
	a := func(b byte, port uint16) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, b, byte(i >> 8), byte(i) + 1}), port)
	}
	return a(1, estabPort), a(2, twPort), a(3, udpPort)
}

// holderTWV6Addr is where holder i's TIME_WAIT clients over IPv6 go.
func holderTWV6Addr(i int) netip.AddrPort {
	return netip.AddrPortFrom(netip.IPv6Loopback(), uint16(twV6Port+i))
}

// holderV6Addrs are holder i's IPv6-only listener, its dual-stack
// listener, and the IPv4 address its clients reach the latter on.
func holderV6Addrs(i int) (v6, mapped, mappedDst netip.AddrPort) {
	v6 = netip.AddrPortFrom(netip.IPv6Loopback(), uint16(v6Port+i))
	mapped = netip.AddrPortFrom(netip.IPv6Unspecified(), uint16(mappedPort+i))
	mappedDst = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 5, byte(i >> 8), byte(i) + 1}), uint16(mappedPort+i))
	return v6, mapped, mappedDst
}

// halfAddr is where holder i's half-closed connections go.
func halfAddr(i int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 4, byte(i >> 8), byte(i) + 1}), halfPort)
}

func holderMain(args []string) int {
	fs := flag.NewFlagSet("holder", flag.ContinueOnError)
	index := fs.Int("index", 0, "holder number")
	conns := fs.Int("conns", 0, "TCP connections to hold")
	udp := fs.Int("udp", 0, "UDP sockets to hold")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	// Nothing is closed on the way out: the kernel closes every socket
	// as the process exits, sooner than 20,000 calls to Close would.
	h := &holderState{}
	out := bufio.NewWriter(os.Stdout)
	reply := func(format string, a ...any) {
		fmt.Fprintf(out, format+"\n", a...)
		out.Flush()
	}
	if err := h.fill(*index, *conns, *udp); err != nil {
		reply("%s %v", respError, oneLine(err))
		return 1
	}
	reply("%s conns=%d udp=%d", respReady, len(h.conns)/2-halfClosed, len(h.udp))

	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) != 2 || f[0] != reqTimeWait {
			reply("%s unknown request %q", respError, in.Text())
			continue
		}
		n, err := strconv.Atoi(f[1])
		if err != nil || n < 0 {
			reply("%s bad count %q", respError, f[1])
			continue
		}
		if err := h.timeWait(n); err != nil {
			reply("%s %v", respError, oneLine(err))
			continue
		}
		reply("%s %d", respOK, n)
	}
	return 0
}

// holderState is what one holder keeps open.
type holderState struct {
	conns []net.Conn
	udp   []net.PacketConn
	// listeners are the ESTABLISHED connections' listeners, kept open.
	listeners []net.Listener
	// twV4, twMapped and twV6 make TIME_WAIT sockets; the first two
	// share the IPv4 listener.
	twV4, twMapped, twV6 twKind
}

var (
	dialer = net.Dialer{KeepAlive: -1, Timeout: 10 * time.Second}
	lc     = net.ListenConfig{KeepAlive: -1}
)

// fill makes conns ESTABLISHED pairs (IPv4, IPv6 and v4-mapped), the
// half-closed ones, udp UDP sockets, and the listeners TIME_WAIT
// connections go to.
func (h *holderState) fill(index, conns, udp int) error {
	estab, tw, udpDst := holderAddrs(index)
	v6, mapped, mappedDst := holderV6Addrs(index)
	nV6, nMapped := conns/v6Div, conns/mappedDiv
	if err := h.listenTimeWait(tw, holderTWV6Addr(index)); err != nil {
		return err
	}
	for _, part := range []struct {
		listenNet, listenAddr, dialNet, dialAddr string
		n                                        int
	}{
		{"tcp4", estab.String(), "tcp4", estab.String(), conns - nV6 - nMapped},
		{"tcp6", v6.String(), "tcp6", v6.String(), nV6},               // "tcp6" listens IPv6-only
		{"tcp", mapped.String(), "tcp4", mappedDst.String(), nMapped}, // dual-stack
	} {
		if err := h.pairs(part.listenNet, part.listenAddr, part.dialNet, part.dialAddr, part.n); err != nil {
			return err
		}
	}
	if err := h.halfClose(halfAddr(index).String()); err != nil {
		return err
	}
	return h.fillUDP(udp, udpDst)
}

// listenTimeWait opens the listeners TIME_WAIT clients go to: v4 (IPv4
// and v4-mapped clients) and v6 (clients over ::1).
func (h *holderState) listenTimeWait(v4, v6 netip.AddrPort) error {
	l4, err := listenRaw(v4)
	if err != nil {
		return err
	}
	h.twV4 = twKind{listener: l4, clientFamily: unix.AF_INET, dst: sockaddr(v4)}
	mapped := netip.AddrPortFrom(netip.AddrFrom16(v4.Addr().As16()), v4.Port())
	h.twMapped = twKind{listener: l4, clientFamily: unix.AF_INET6, dst: sockaddr(mapped)}
	l6, err := listenRaw(v6)
	if err != nil {
		return err
	}
	h.twV6 = twKind{listener: l6, clientFamily: unix.AF_INET6, dst: sockaddr(v6)}
	return nil
}

// pairs makes n connections from dialNet clients to a listener on
// listenAddr, and keeps both ends. The listener stays open, so that the
// fixture has LISTEN sockets of every kind.
func (h *holderState) pairs(listenNet, listenAddr, dialNet, dialAddr string, n int) error {
	l, err := lc.Listen(context.Background(), listenNet, listenAddr)
	if err != nil {
		return fmt.Errorf("listen %s %q: %w", listenNet, listenAddr, err)
	}
	h.listeners = append(h.listeners, l)
	// Results of both ends arrive on one channel. On error the holder
	// exits, so goroutines left blocked do not matter.
	type result struct {
		c   net.Conn
		err error
	}
	results := make(chan result, 256)
	go func() {
		for range n {
			c, err := l.Accept()
			results <- result{c, err}
			if err != nil {
				return
			}
		}
	}()
	// A few dialers at once: each connect waits for its handshake.
	var next atomic.Int64
	for range 8 {
		go func() {
			for next.Add(1) <= int64(n) {
				c, err := dialer.Dial(dialNet, dialAddr)
				results <- result{c, err}
				if err != nil {
					return
				}
			}
		}()
	}
	for got := 0; got < 2*n; got++ {
		select {
		case r := <-results:
			if r.err != nil {
				return fmt.Errorf("%s %q: %w", dialNet, dialAddr, r.err)
			}
			h.conns = append(h.conns, r.c)
		case <-time.After(30 * time.Second):
			return fmt.Errorf("%s %q: stuck after %d of %d sockets", dialNet, dialAddr, got, 2*n)
		}
	}
	return nil
}

// halfClose makes halfClosed connections to addr whose client shuts its
// sending side down: the client waits in FIN_WAIT2 (it still has its
// descriptor, so tcp_fin_timeout does not apply), the server in
// CLOSE_WAIT.
func (h *holderState) halfClose(addr string) error {
	l, err := lc.Listen(context.Background(), "tcp4", addr)
	if err != nil {
		return fmt.Errorf("listen %q: %w", addr, err)
	}
	defer l.Close()
	for range halfClosed {
		c, err := dialer.Dial("tcp4", addr)
		if err != nil {
			return fmt.Errorf("dial %q: %w", addr, err)
		}
		s, err := l.Accept()
		if err != nil {
			c.Close()
			return fmt.Errorf("accept %q: %w", addr, err)
		}
		h.conns = append(h.conns, c, s)
		if err := c.(*net.TCPConn).CloseWrite(); err != nil {
			return fmt.Errorf("shutdown %q: %w", addr, err)
		}
	}
	return nil
}

// fillUDP makes udp UDP sockets: half bound and unconnected, half
// connected to the first ones.
func (h *holderState) fillUDP(udp int, udpDst netip.AddrPort) error {
	ctx := context.Background()
	unconn := udp - udp/2
	for i := range unconn {
		addr := "127.0.0.1:0"
		if i == 0 {
			addr = udpDst.String()
		}
		c, err := lc.ListenPacket(ctx, "udp4", addr)
		if err != nil {
			return err
		}
		h.udp = append(h.udp, c)
	}
	for i := range udp / 2 {
		c, err := dialer.Dial("udp4", h.udp[i%unconn].LocalAddr().String())
		if err != nil {
			return err
		}
		h.udp = append(h.udp, c.(*net.UDPConn))
	}
	return nil
}

// timeWait makes n TIME_WAIT sockets, split as twSplit says.
func (h *holderState) timeWait(n int) error {
	v6, mapped, v4 := twSplit(n)
	for _, part := range []struct {
		k twKind
		n int
	}{{h.twV4, v4}, {h.twMapped, mapped}, {h.twV6, v6}} {
		if err := makeTW(part.k, part.n, twPerHolderWorkers); err != nil {
			return err
		}
	}
	return nil
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }
