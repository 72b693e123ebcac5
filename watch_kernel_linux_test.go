package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/watch"
)

// watchConns is how many connections the watch test makes; each stays
// open until the watch has reported all their opens (on a loaded host a
// sample's walk of /proc can take seconds), and watchHold more.
const (
	watchConns    = 50
	watchHold     = 100 * time.Millisecond
	watchInterval = "50ms"
	watchWait     = 60 * time.Second
)

// clientConn is one of the test's connections as its client measured
// it: its local port, the bytes it sent and received, and the time from
// before connect() to after both ends were closed.
type clientConn struct {
	port       uint16
	sent, recv int
	lifetime   time.Duration
}

// TestKernelWatch: conntab watch --json, started before, reports exactly
// the 50 connections a client makes, sends and receives known bytes on,
// and closes: each opened once and closed once, with the kernel's final
// counters (bytes_acked counts the client's SYN and FIN, bytes_received
// the server's FIN) and a lifetime within the client's. As nobody it
// sees the same through the same source, and no process (they are
// root's); with --samples-only the closes are the samples' own, said so,
// and carry no counters.
func TestKernelWatch(t *testing.T) {
	ns := nstest.Require(t)
	// The binary where nobody may run it: t.TempDir's parent is root's alone.
	dir, err := os.MkdirTemp("", "conntab-watch")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "conntab")
	if err := copyFile(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name        string
		nobody      bool
		samplesOnly bool
	}{{"root", false, false}, {"nobody", true, false}, {"samples-only", false, true}} {
		t.Run(c.name, func(t *testing.T) {
			ln, err := ns.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			port := ln.Addr().(*net.TCPAddr).Port
			args := []string{"watch", "--json", "-i", watchInterval}
			if c.samplesOnly {
				args = append(args, "--samples-only")
			}
			w := startWatch(t, ns, bin, c.nobody, append(args, "dport", "=", ":"+strconv.Itoa(port))...)
			release := make(chan struct{})
			made := make(chan []clientConn)
			go func() { made <- makeConns(t, ns, ln, release) }()
			events := w.read(t, nil, func(evs []watch.EventJSON) bool { return count(evs, "open") >= watchConns })
			close(release)
			conns := <-made
			events, notice := w.stop(t, events)
			checkWatch(t, events, conns, c.nobody, c.samplesOnly)
			want := "closes from the kernel's sock_diag destroy messages"
			if c.samplesOnly {
				want = "closes from the samples alone"
			}
			if !strings.Contains(notice, want) {
				t.Errorf("stderr does not say %q:\n%s", want, notice)
			}
		})
	}
}

// runningWatch is conntab watch started in a namespace.
type runningWatch struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr strings.Builder
	mu     sync.Mutex
}

// startWatch starts bin with args inside ns, as nobody if asked (forked
// from a thread inside the namespace, so it needs no nsenter), and waits
// for its notice on stderr: its baseline is taken.
func startWatch(t *testing.T, ns *nstest.NS, bin string, nobody bool, args ...string) *runningWatch {
	t.Helper()
	w := &runningWatch{cmd: exec.Command(bin, args...), lines: make(chan string, 1024)}
	w.cmd.Env = append(os.Environ(), "CONNTAB_TEST_RUN_MAIN=1")
	if nobody {
		w.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	stdout, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := w.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := ns.Do(w.cmd.Start); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			w.lines <- sc.Text()
		}
		close(w.lines)
	}()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			w.mu.Lock()
			w.stderr.WriteString(sc.Text() + "\n")
			w.mu.Unlock()
			if strings.HasPrefix(sc.Text(), "conntab: opens and state changes") {
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(watchWait):
		w.cmd.Process.Kill()
		t.Fatalf("no notice on stderr in %v: %s", watchWait, w.notice())
	}
	return w
}

func (w *runningWatch) notice() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stderr.String()
}

// read appends events to evs until done says so, or watchWait passes.
func (w *runningWatch) read(t *testing.T, evs []watch.EventJSON, done func([]watch.EventJSON) bool) []watch.EventJSON {
	t.Helper()
	for deadline := time.After(watchWait); !done(evs); {
		select {
		case line, ok := <-w.lines:
			if !ok {
				return evs
			}
			evs = append(evs, decodeEvent(t, line))
		case <-deadline:
			t.Errorf("waited %v for the events, have %d", watchWait, len(evs))
			return evs
		}
	}
	return evs
}

func decodeEvent(t *testing.T, line string) watch.EventJSON {
	var ev watch.EventJSON
	if err := json.Unmarshal([]byte(line), &ev); err != nil {
		t.Errorf("%v: %s", err, line)
	}
	return ev
}

func count(evs []watch.EventJSON, kind string) int {
	n := 0
	for _, ev := range evs {
		if ev.Event == kind {
			n++
		}
	}
	return n
}

// stop reads events until the closes are in, and a few samples more
// (anything after is reported too many), then interrupts the watch, which
// must exit 0, and returns the events and what it said on stderr.
func (w *runningWatch) stop(t *testing.T, evs []watch.EventJSON) ([]watch.EventJSON, string) {
	t.Helper()
	evs = w.read(t, evs, func(evs []watch.EventJSON) bool { return count(evs, "close") >= watchConns })
	time.Sleep(300 * time.Millisecond)
	if err := w.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for line := range w.lines {
		evs = append(evs, decodeEvent(t, line))
	}
	if err := w.cmd.Wait(); err != nil {
		t.Errorf("watch ended with %v, want exit 0 on SIGINT: %s", err, w.notice())
	}
	return evs, w.notice()
}

// makeConns makes watchConns connections to ln at once: each client sends
// its own number of bytes, the server answers with its own, the client
// holds the connection until release is closed, and watchHold more,
// closes it, and the server closes its end on the EOF.
func makeConns(t *testing.T, ns *nstest.NS, ln net.Listener, release chan struct{}) []clientConn {
	t.Helper()
	go func() {
		for {
			s, err := ln.Accept()
			if err != nil {
				return
			}
			go serveConn(s)
		}
	}()
	conns := make([]clientConn, watchConns)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := clientRun(ns, ln.Addr().String(), &conns[i], 1000+7*i, 500+3*i, release); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	return conns
}

// serveConn reads the client's length-prefixed bytes, answers with as
// many as it asks, and closes on its EOF.
func serveConn(s net.Conn) {
	defer s.Close()
	var hdr [8]byte
	if _, err := io.ReadFull(s, hdr[:]); err != nil {
		return
	}
	sent, recv := int(beUint32(hdr[:4])), int(beUint32(hdr[4:]))
	if _, err := io.ReadFull(s, make([]byte, sent-8)); err != nil {
		return
	}
	if _, err := s.Write(make([]byte, recv)); err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, s)
}

func beUint32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// clientRun makes one connection: sent bytes out (the first eight say how
// many, and how many to answer), recv bytes back, closed watchHold after
// release. Its lifetime ends when the server has closed too (the EOF).
func clientRun(ns *nstest.NS, addr string, c *clientConn, sent, recv int, release chan struct{}) error {
	start := time.Now()
	conn, err := ns.Dial("tcp4", addr)
	if err != nil {
		return err
	}
	c.port, c.sent, c.recv = uint16(conn.LocalAddr().(*net.TCPAddr).Port), sent, recv
	out := make([]byte, sent)
	copy(out, []byte{byte(sent >> 24), byte(sent >> 16), byte(sent >> 8), byte(sent), byte(recv >> 24), byte(recv >> 16), byte(recv >> 8), byte(recv)})
	if _, err := conn.Write(out); err != nil {
		return err
	}
	if _, err := io.ReadFull(conn, make([]byte, recv)); err != nil {
		return err
	}
	<-release
	time.Sleep(watchHold)
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		return err
	}
	if n, err := conn.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		return err
	}
	conn.Close()
	c.lifetime = time.Since(start)
	return nil
}

// checkWatch holds the events to the connections: one open and one close
// each, nothing else.
func checkWatch(t *testing.T, events []watch.EventJSON, conns []clientConn, nobody, samplesOnly bool) {
	t.Helper()
	byPort := make(map[uint16]*clientConn)
	for i := range conns {
		byPort[conns[i].port] = &conns[i]
	}
	opens, closes := map[uint16]int{}, map[uint16]int{}
	for _, ev := range events {
		c := byPort[ev.Local.Port]
		if c == nil {
			t.Errorf("an event for a socket the client did not make: %+v", ev)
			continue
		}
		switch ev.Event {
		case "open":
			opens[c.port]++
			checkOpen(t, ev, nobody)
		case "close":
			closes[c.port]++
			checkClose(t, ev, c, samplesOnly)
		}
	}
	for _, c := range conns {
		if opens[c.port] != 1 || closes[c.port] != 1 {
			t.Errorf("port %d: %d opens, %d closes; want 1 each", c.port, opens[c.port], closes[c.port])
		}
	}
	if len(opens) != watchConns || len(closes) != watchConns {
		t.Errorf("%d connections opened, %d closed; want %d each", len(opens), len(closes), watchConns)
	}
}

// checkOpen: an open comes from the tracepoint as root, from a sample as
// nobody (who cannot load eBPF), and names the test's process, but not to
// nobody, who cannot see root's.
func checkOpen(t *testing.T, ev watch.EventJSON, nobody bool) {
	t.Helper()
	if want := map[bool]string{false: "tracepoint", true: "sample"}[nobody]; ev.Source != want {
		t.Errorf("open seen by %q, want %s", ev.Source, want)
	}
	switch {
	case nobody && ev.PID != nil:
		t.Errorf("nobody names process %d, which it cannot see", *ev.PID)
	case !nobody && (ev.PID == nil || int(*ev.PID) != os.Getpid()):
		t.Errorf("open's pid %v, want the test's %d", ev.PID, os.Getpid())
	}
}

// checkClose: a close's counters are the kernel's (from its destroy
// message) or absent (samples only), and its lifetime lies within the
// client's.
func checkClose(t *testing.T, ev watch.EventJSON, c *clientConn, samplesOnly bool) {
	t.Helper()
	if ev.LifetimeMS == nil {
		t.Errorf("port %d: no lifetime_ms", c.port)
	} else if l := time.Duration(*ev.LifetimeMS) * time.Millisecond; l > c.lifetime || l < 0 {
		t.Errorf("port %d: lifetime_ms %d, want within the client's %v", c.port, *ev.LifetimeMS, c.lifetime)
	} else if !samplesOnly && l < watchHold {
		// The open was reported, so its dump had ended, watchHold before
		// the client closed. From samples alone a lifetime is only as
		// fine as they are: it ends at the last dump that held it open.
		t.Errorf("port %d: lifetime_ms %d, want at least the %v it was held after its open was reported", c.port, *ev.LifetimeMS, watchHold)
	}
	if samplesOnly {
		if !slices.Contains([]string{"time-wait", "gone"}, ev.Source) || ev.BytesAcked != nil || ev.BytesReceived != nil {
			t.Errorf("port %d: samples only: source %q, bytes %v %v; want time-wait or gone, no counters", c.port, ev.Source, ev.BytesAcked, ev.BytesReceived)
		}
		return
	}
	if ev.Source != "destroy" || ev.BytesAcked == nil || ev.BytesReceived == nil {
		t.Errorf("port %d: source %q, counters %v %v; want destroy with counters", c.port, ev.Source, ev.BytesAcked, ev.BytesReceived)
		return
	}
	if *ev.BytesAcked != uint64(c.sent)+2 || *ev.BytesReceived != uint64(c.recv)+1 {
		t.Errorf("port %d: bytes_acked %d, bytes_received %d; want %d+2 (SYN, FIN), %d+1 (FIN)", c.port, *ev.BytesAcked, *ev.BytesReceived, c.sent, c.recv)
	}
}
