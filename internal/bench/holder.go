//go:build linux

package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
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
)

// A holder makes TIME_WAIT connections twWorkers at a time, and has at
// most twInFlight not yet closed by the server.
const (
	twWorkers  = 32
	twInFlight = 4 * twWorkers
)

// holderAddrs are the destinations of holder i: its own addresses in
// 127.0.0.0/8, so that 4-tuples never run out.
func holderAddrs(i int) (estab, tw, udp netip.AddrPort) {
	a := func(b byte, port uint16) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, b, byte(i >> 8), byte(i) + 1}), port)
	}
	return a(1, estabPort), a(2, twPort), a(3, udpPort)
}

func holderMain(args []string) int {
	fs := flag.NewFlagSet("holder", flag.ContinueOnError)
	index := fs.Int("index", 0, "holder number")
	conns := fs.Int("conns", 0, "TCP connections to hold")
	udp := fs.Int("udp", 0, "UDP sockets to hold")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	h := &holderState{}
	defer h.close()
	out := bufio.NewWriter(os.Stdout)
	reply := func(format string, a ...any) {
		fmt.Fprintf(out, format+"\n", a...)
		out.Flush()
	}
	if err := h.fill(*index, *conns, *udp); err != nil {
		reply("%s %v", respError, oneLine(err))
		return 1
	}
	reply("%s conns=%d udp=%d", respReady, len(h.conns)/2, len(h.udp))

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
	twL   net.Listener
	// twClosed receives one value per TIME_WAIT server end closed.
	twClosed chan error
}

var (
	dialer = net.Dialer{KeepAlive: -1, Timeout: 10 * time.Second}
	lc     = net.ListenConfig{KeepAlive: -1}
)

// fill makes conns ESTABLISHED pairs and udp UDP sockets, and the listener
// TIME_WAIT connections go to.
func (h *holderState) fill(index, conns, udp int) error {
	estab, tw, udpDst := holderAddrs(index)
	ctx := context.Background()
	l, err := lc.Listen(ctx, "tcp4", estab.String())
	if err != nil {
		return err
	}
	defer l.Close() // accepted connections outlive it
	h.twL, err = lc.Listen(ctx, "tcp4", tw.String())
	if err != nil {
		return err
	}
	h.twClosed = make(chan error, twWorkers)
	go h.serveTimeWait()

	// Results of both ends arrive on one channel. On error the holder
	// exits, so goroutines left blocked do not matter.
	type result struct {
		c   net.Conn
		err error
	}
	results := make(chan result, 256)
	go func() {
		for range conns {
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
			for next.Add(1) <= int64(conns) {
				c, err := dialer.Dial("tcp4", estab.String())
				results <- result{c, err}
				if err != nil {
					return
				}
			}
		}()
	}
	for got := 0; got < 2*conns; got++ {
		select {
		case r := <-results:
			if r.err != nil {
				return r.err
			}
			h.conns = append(h.conns, r.c)
		case <-time.After(30 * time.Second):
			return fmt.Errorf("stuck after %d of %d sockets", got, 2*conns)
		}
	}

	// UDP: half bound and unconnected, half connected to the first ones.
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

// serveTimeWait closes each accepted TIME_WAIT connection once the client
// has closed its side, so that the client's socket, not the server's,
// ends in TIME_WAIT.
func (h *holderState) serveTimeWait() {
	for {
		c, err := h.twL.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				h.twClosed <- err
			}
			return
		}
		go func() {
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			_, err := io.Copy(io.Discard, c)
			c.Close()
			h.twClosed <- err
		}()
	}
}

// timeWait makes n TIME_WAIT sockets: connect, the client closes, then the
// server. They hold no descriptor.
func (h *holderState) timeWait(n int) error {
	dst := h.twL.Addr().String()
	work := make(chan struct{})
	defer close(work)
	dialErr := make(chan error, twWorkers)
	for range twWorkers {
		go func() {
			for range work {
				c, err := dialer.Dial("tcp4", dst)
				if err != nil {
					dialErr <- err
					return
				}
				c.Close()
			}
		}()
	}
	// Server ends hold descriptors until they close: keep at most
	// twInFlight connections open.
	sent, closed := 0, 0
	for closed < n {
		var feed chan struct{}
		if sent < n && sent-closed < twInFlight {
			feed = work
		}
		select {
		case feed <- struct{}{}:
			sent++
		case err := <-h.twClosed:
			closed++
			if err != nil {
				return fmt.Errorf("TIME_WAIT server end: %w", err)
			}
		case err := <-dialErr:
			return fmt.Errorf("TIME_WAIT dial: %w", err)
		case <-time.After(30 * time.Second):
			return fmt.Errorf("TIME_WAIT stuck after %d of %d", closed, n)
		}
	}
	return nil
}

func (h *holderState) close() {
	for _, c := range h.conns {
		c.Close()
	}
	for _, c := range h.udp {
		c.Close()
	}
	if h.twL != nil {
		h.twL.Close()
	}
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }
