//go:build linux

package collect

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
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
)

// procRecordRepeats re-captures testdata/proc/repeats (see
// TestRecordProcRepeats).
var procRecordRepeats = flag.Bool("record-proc-repeats", false, "re-capture testdata/proc/repeats/tcp from a churning namespace (root)")

// procChurn runs, inside ns, a TCP server on 127.0.0.1:8080 that closes
// what it accepts, and two clients that connect and close as fast as they
// can: connections come and go, TIME_WAIT sockets pile up. stop ends it
// and waits; it reports how many connections were made.
func procChurn(t *testing.T, ns *nstest.NS) (stop func() int64) {
	t.Helper()
	var ln net.Listener
	if err := ns.Do(func() (err error) { ln, err = net.Listen("tcp4", "127.0.0.1:8080"); return err }); err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		done  atomic.Bool
		conns atomic.Int64
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	})
	for range 2 {
		wg.Go(func() {
			ns.Do(func() error {
				for !done.Load() {
					if c, err := net.Dial("tcp4", "127.0.0.1:8080"); err == nil {
						c.Close()
						conns.Add(1)
					}
				}
				return nil
			})
		})
	}
	var once sync.Once
	stop = func() int64 {
		once.Do(func() {
			done.Store(true)
			ln.Close()
			wg.Wait()
		})
		return conns.Load()
	}
	t.Cleanup(func() { stop() })
	return stop
}

// readNSFile reads /proc/thread-self/net/NAME from a thread inside ns, as
// conntab does: a read(2) at a time into a 256 KiB buffer.
func readNSFile(ns *nstest.NS, name string) ([]byte, error) {
	var b []byte
	err := ns.Do(func() error {
		f, err := os.Open(filepath.Join("/proc/thread-self/net", name))
		if err != nil {
			return err
		}
		defer f.Close()
		buf := make([]byte, procBufSize)
		for {
			n, err := f.Read(buf)
			b = append(b, buf[:n]...)
			if err == io.EOF || n == 0 {
				return nil
			}
			if err != nil {
				return err
			}
		}
	})
	return b, err
}

// procRawRepeats counts the lines of a /proc/net/tcp file whose socket
// (local, remote, state and inode, as printed) an earlier line printed,
// and the distinct endpoint pairs; it reads the text with no help from the
// parser under test.
func procRawRepeats(b []byte) (repeats int, pairs map[[2]string]bool) {
	type row struct{ local, remote, state, inode string }
	seen := map[row]bool{}
	pairs = map[[2]string]bool{}
	for i, line := range bytes.Split(b, []byte("\n")) {
		f := bytes.Fields(line)
		if i == 0 || len(f) < 10 {
			continue
		}
		r := row{string(f[1]), string(f[2]), string(f[3]), string(f[9])}
		if seen[r] {
			repeats++
		}
		seen[r] = true
		pairs[[2]string{r.local, r.remote}] = true
	}
	return repeats, pairs
}

// procDuplicates returns the sockets socks lists more than once: rows of
// the same endpoints with the same inode, or where either has none (a
// TIME_WAIT or request socket is the connection of the socket before it).
// Rows with two inodes are two sockets (SO_REUSEPORT, or a port reused).
func procDuplicates(socks []model.Socket) []string {
	byTuple := map[string][]*model.Socket{}
	var dups []string
	for i := range socks {
		s := &socks[i]
		k := fmt.Sprintf("%s/%s %s -> %s", s.Proto, s.Family, s.Local, s.Remote)
		for _, o := range byTuple[k] {
			if o.Inode == s.Inode || o.Inode == 0 || s.Inode == 0 {
				dups = append(dups, fmt.Sprintf("%s (%s inode %d, then %s inode %d)", k, o.State, o.Inode, s.State, s.Inode))
				break
			}
		}
		byTuple[k] = append(byTuple[k], s)
	}
	return dups
}

// procPairs is the set of endpoint pairs of socks, spelt as /proc prints
// them for IPv4.
func procPairs(socks []model.Socket) map[[2]string]bool {
	hex := func(ap netip.AddrPort) string {
		a := ap.Addr().As4()
		return fmt.Sprintf("%02X%02X%02X%02X:%04X", a[3], a[2], a[1], a[0], ap.Port())
	}
	out := map[[2]string]bool{}
	for i := range socks {
		out[[2]string{hex(socks[i].Local), hex(socks[i].Remote)}] = true
	}
	return out
}

// TestProcRepeatsUnderChurn reads /proc/net/tcp of a namespace where
// connections open and close as fast as two clients can make them. The
// kernel prints some sockets twice (a read restarts its walk of a hash
// bucket that changed); the Collector's /proc source must list each socket
// once, and the parser must keep every distinct socket of the very bytes
// the kernel printed. Bounded: at most 200 reads or 20 seconds, and it
// stops once the kernel has repeated rows in 10 reads.
func TestProcRepeatsUnderChurn(t *testing.T) {
	ns := nstest.Require(t)
	stop := procChurn(t, ns)
	c := New(Config{Mode: ModeProc, NetNS: ns.Path(), Protos: []model.Proto{model.ProtoTCP}, Families: []model.Family{model.FamilyInet}})
	deadline := time.Now().Add(20 * time.Second)
	var reads, rawReads, rawRepeats, collected int
	for reads < 200 && rawReads < 10 && time.Now().Before(deadline) {
		reads++
		snap, err := c.Collect(context.Background())
		if err != nil {
			t.Fatalf("Collect: %v", err)
		}
		collected += len(snap.Sockets)
		if dups := procDuplicates(snap.Sockets); len(dups) > 0 {
			t.Fatalf("read %d: %d of %d sockets listed more than once, first %s", reads, len(dups), len(snap.Sockets), dups[0])
		}

		raw, err := readNSFile(ns, "tcp")
		if err != nil {
			t.Fatal(err)
		}
		repeats, pairs := procRawRepeats(raw)
		socks, err := parseProcNet(nil, bytes.NewReader(raw), "tcp", model.ProtoTCP, model.FamilyInet, model.AllStateSet)
		if err != nil {
			t.Fatalf("parseProcNet: %v", err)
		}
		if dups := procDuplicates(socks); len(dups) > 0 {
			t.Fatalf("read %d: parseProcNet lists %d sockets more than once, first %s", reads, len(dups), dups[0])
		}
		// Every endpoint pair the kernel printed is still there.
		if got := procPairs(socks); len(got) != len(pairs) {
			t.Fatalf("read %d: parseProcNet kept %d of %d distinct endpoint pairs (%d repeated lines)", reads, len(got), len(pairs), repeats)
		}
		if repeats > 0 {
			rawReads++
			rawRepeats += repeats
		}
	}
	conns := stop()
	t.Logf("%d reads, %d sockets collected, %d connections made; the kernel repeated %d lines in %d raw reads", reads, collected, conns, rawRepeats, rawReads)
	if rawReads == 0 {
		t.Skipf("the kernel repeated no line in %d reads: the churn did not reproduce what this test is about", reads)
	}
}

// TestRecordProcRepeats re-captures testdata/proc/repeats/tcp when run with
// -record-proc-repeats: a /proc/net/tcp read during churn that repeats
// rows, cut down to the header and the lines around each repeated one.
//
//	go test ./collect -run TestRecordProcRepeats -record-proc-repeats
//
// TestParseProcNetRepeats's expectations then need updating by hand.
func TestRecordProcRepeats(t *testing.T) {
	if !*procRecordRepeats {
		t.Skip("skipping: run with -record-proc-repeats to re-capture testdata/proc/repeats")
	}
	ns := nstest.Require(t)
	procChurn(t, ns)
	for range 200 {
		raw, err := readNSFile(ns, "tcp")
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := procRawRepeats(raw); n < 3 {
			continue
		}
		cut := procCutAroundRepeats(raw, 2)
		dir := filepath.Join("..", "testdata", "proc", "repeats")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "tcp"), cut, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal(errors.New("no read repeated three lines"))
}

// procCutAroundRepeats keeps the header of a /proc/net file and, for every
// line an earlier one repeats, the lines from context before its first
// copy to context after its last.
func procCutAroundRepeats(b []byte, context int) []byte {
	lines := bytes.SplitAfter(b, []byte("\n"))
	first := map[string]int{}
	keep := make([]bool, len(lines))
	keep[0] = true
	for i := 1; i < len(lines); i++ {
		f := bytes.Fields(lines[i])
		if len(f) < 10 {
			continue
		}
		k := string(bytes.Join([][]byte{f[1], f[2], f[3], f[9]}, []byte(" ")))
		j, ok := first[k]
		if !ok {
			first[k] = i
			continue
		}
		for n := max(1, j-context); n <= min(len(lines)-1, i+context); n++ {
			keep[n] = true
		}
	}
	var out []byte
	for i, line := range lines {
		if keep[i] {
			out = append(out, line...)
		}
	}
	return out
}
