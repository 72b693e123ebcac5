package collect

import (
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
)

// The recorder: as root,
//
//	go test ./collect -run TestKernelDestroys -record-destroy
//
// writes the payloads of the destroy messages of one TCP connection (both
// ends) and one UDP socket, of each family, into testdata/destroy/: the
// fuzz test's seeds.
var recordDestroy = flag.Bool("record-destroy", false, "record testdata/destroy from a fresh namespace")

// destroyPair is one TCP connection closed in ns: the client sends sent
// bytes, the server answers with recv, the client closes first (so its
// end goes to TIME_WAIT), then the server.
func destroyPair(t *testing.T, ns *nstest.NS, network, addr string, sent, recv int) (client, server netip.AddrPort) {
	t.Helper()
	ln, err := ns.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := ns.Dial(network, ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(make([]byte, sent)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(s, make([]byte, sent)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(make([]byte, recv)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, recv)); err != nil {
		t.Fatal(err)
	}
	client, server = unmapped(c.LocalAddr()), unmapped(c.RemoteAddr())
	c.Close()
	if n, err := s.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("server read %d, %v after the client's close, want EOF", n, err)
	}
	s.Close()
	return client, server
}

// TestKernelDestroys: the kernel sends a destroy message for both ends of
// a closed TCP connection, each with its addresses, a cookie, the state
// CLOSE and its last tcp_info, whose byte counters count the SYN and FIN
// as the kernel's sequence space does; and one for a closed UDP socket,
// without tcp_info. Each ends when its context does.
func TestKernelDestroys(t *testing.T) {
	ns := nstest.Require(t)
	d, err := New(Config{NetNS: ns.Path()}).OpenDestroys()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	type got struct {
		s    model.Socket
		info *model.TCPInfo
	}
	var msgs []got
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- d.Each(ctx, func(s model.Socket, info *model.TCPInfo) { msgs = append(msgs, got{s, info}) },
			func() { t.Error("messages lost") }, func(err error) { t.Error(err) })
	}()

	const sent, recv = 1000, 300
	c4, s4 := destroyPair(t, ns, "tcp4", "127.0.0.1:0", sent, recv)
	c6, s6 := destroyPair(t, ns, "tcp6", "[::1]:0", sent, recv)
	u, err := ns.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	uAddr := u.LocalAddr().(*net.UDPAddr).AddrPort()
	u.Close()
	time.Sleep(300 * time.Millisecond) // the kernel sends from a work queue
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	find := func(local, remote netip.AddrPort, proto model.Proto) *got {
		for i := range msgs {
			if s := &msgs[i].s; s.Local == local && s.Remote == remote && s.Proto == proto {
				return &msgs[i]
			}
		}
		t.Fatalf("no destroy message for %s %s -> %s among %d", proto, local, remote, len(msgs))
		return nil
	}
	for _, pair := range [][2]netip.AddrPort{{c4, s4}, {c6, s6}} {
		client, server := find(pair[0], pair[1], model.ProtoTCP), find(pair[1], pair[0], model.ProtoTCP)
		for _, g := range []*got{client, server} {
			if g.s.State != model.StateClose || g.s.Cookie == 0 || g.info == nil {
				t.Errorf("%s -> %s: state %s, cookie %d, tcp_info %v; want CLOSE, a cookie, tcp_info", g.s.Local, g.s.Remote, g.s.State, g.s.Cookie, g.info != nil)
				return
			}
		}
		// The active opener's bytes_acked counts its SYN; both ends count
		// the FIN they sent once acked, and bytes_received the peer's FIN.
		check := func(who string, g *got, acked, received uint64) {
			if g.info.BytesAcked != acked || g.info.BytesReceived != received {
				t.Errorf("%s: bytes_acked %d, bytes_received %d; want %d, %d", who, g.info.BytesAcked, g.info.BytesReceived, acked, received)
			}
		}
		check("client", client, sent+2, recv+1)
		check("server", server, recv+1, sent+1)
	}
	udp := find(uAddr, netip.AddrPortFrom(netip.IPv4Unspecified(), 0), model.ProtoUDP)
	if udp.info != nil {
		t.Errorf("UDP socket with tcp_info")
	}
	if *recordDestroy {
		recordDestroys(t, ns)
	}
}

// recordDestroys writes the raw destroy messages of one more TCP
// connection and UDP socket of each family into destroyDir.
func recordDestroys(t *testing.T, ns *nstest.NS) {
	d, err := New(Config{NetNS: ns.Path()}).OpenDestroys()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	destroyPair(t, ns, "tcp4", "127.0.0.1:0", 100, 30)
	destroyPair(t, ns, "tcp6", "[::1]:0", 100, 30)
	for _, a := range []string{"127.0.0.1:0", "[::1]:0"} {
		u, err := ns.ListenPacket("udp", a)
		if err != nil {
			t.Fatal(err)
		}
		u.Close()
	}
	if err := os.MkdirAll(destroyDir, 0o755); err != nil {
		t.Fatal(err)
	}
	_ = d.conn.SetReadDeadline(time.Now().Add(time.Second))
	n := 0
	for {
		msgs, err := d.conn.Receive()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			s, _, err := decodeDestroy(m.Data)
			if err != nil {
				t.Fatal(err)
			}
			v := "4"
			if s.Family == model.FamilyInet6 {
				v = "6"
			}
			name := filepath.Join(destroyDir, s.Proto.String()+v+"-"+strconv.Itoa(n)+".bin")
			if err := os.WriteFile(name, m.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	t.Logf("recorded %d destroy messages", n)
}
