//go:build linux

package collect

// The /proc reader against a live kernel: TestProcLive, and the recorder
// of testdata/proc/captured. Both build procScenario in a namespace the
// test creates.

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
)

// procRecord re-captures testdata/proc/captured from a fresh namespace:
//
//	go test ./collect -run TestRecordProcFixtures -record-proc
//
// The expectations in TestParseProcNetCaptured then need updating by hand.
var procRecord = flag.Bool("record-proc", false, "re-capture testdata/proc/captured from a fresh network namespace (root)")

// procNetFiles are the /proc/net files the recorder saves.
var procNetFiles = []string{"tcp", "tcp6", "udp", "udp6", "sockstat", "sockstat6"}

// readProcNetFiles reads ns's /proc/net files. /proc/net follows the
// process's main thread, so they are read as /proc/thread-self/net from a
// thread inside ns.
func readProcNetFiles(ns *nstest.NS) (map[string][]byte, error) {
	out := make(map[string][]byte, len(procNetFiles))
	err := ns.Do(func() error {
		for _, name := range procNetFiles {
			b, err := os.ReadFile(filepath.Join("/proc/thread-self/net", name))
			if err != nil {
				return err
			}
			out[name] = b
		}
		return nil
	})
	return out, err
}

// procParseFiles parses the four socket files in files, every state wanted.
func procParseFiles(files map[string][]byte) ([]model.Socket, error) {
	var all []model.Socket
	for _, pf := range procFiles {
		var err error
		all, err = parseProcNet(all, bytes.NewReader(files[pf.name]), pf.name, pf.proto, pf.family, model.AllStateSet)
		if err != nil {
			return nil, err
		}
	}
	return all, nil
}

// procWaitForScenario reads ns's /proc/net files until they list exactly
// the scenario's sockets and the data it sent has arrived (loopback packets
// are handled asynchronously), and returns them.
func procWaitForScenario(ns *nstest.NS, s *procScenario) (map[string][]byte, error) {
	want := tuples(s.want)
	deadline := time.Now().Add(10 * time.Second)
	for {
		files, err := readProcNetFiles(ns)
		if err != nil {
			return nil, err
		}
		socks, err := procParseFiles(files)
		if err != nil {
			return nil, err
		}
		got := tuples(socks)
		if slices.Equal(got, want) && procScenarioSettled(socks) {
			return files, nil
		}
		if time.Now().After(deadline) {
			if diff := cmp.Diff(want, got); diff != "" {
				return nil, fmt.Errorf("namespace never listed exactly the sockets made (-want +got):\n%s", diff)
			}
			return nil, errors.New("the data the scenario sent never showed in rx_queue: 5 bytes on 127.0.0.1:8080<-40001, a datagram on 127.0.0.1:5353")
		}
		time.Sleep(10 * time.Millisecond) // polling the kernel, not waiting on a guess
	}
}

// procScenarioSettled reports whether the data the scenario sent has
// arrived: 5 bytes queued on 127.0.0.1:8080<-40001, a datagram on 5353.
func procScenarioSettled(socks []model.Socket) bool {
	var tcpOK, udpOK bool
	for _, s := range socks {
		switch {
		case s.Proto == model.ProtoTCP && s.Local.Port() == 8080 && s.Remote.Port() == 40001:
			tcpOK = s.RecvQ == 5
		case s.Proto == model.ProtoUDP && s.Local.Port() == 5353:
			udpOK = s.RecvQ > 0
		}
	}
	return tcpOK && udpOK
}

// TestRecordProcFixtures re-captures testdata/proc/captured when run with
// -record-proc (see procRecord).
func TestRecordProcFixtures(t *testing.T) {
	if !*procRecord {
		t.Skip("skipping: run with -record-proc to re-capture testdata/proc/captured")
	}
	dir := filepath.Join("..", "testdata", "proc", "captured", "net")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ns := nstest.Require(t)
	s, err := buildProcScenario(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	files, err := procWaitForScenario(ns, s)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestProcLive makes known sockets in a fresh namespace and checks the
// kernel's /proc/net files list exactly them, that procfs reads the same
// bytes as conntab does, that ss lists them too, and that a Collector
// entering the namespace by its file reads them.
func TestProcLive(t *testing.T) {
	ns := nstest.Require(t)
	s, err := buildProcScenario(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	files, err := procWaitForScenario(ns, s) // exact 5-tuples and states, or an error
	if err != nil {
		t.Fatal(err)
	}

	t.Run("procfs", func(t *testing.T) {
		root := t.TempDir()
		if err := os.Mkdir(filepath.Join(root, "net"), 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(root, "net", name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		procCheckAgainstProcfs(t, root)
	})

	// ss reads the same namespace over sock_diag.
	t.Run("ss", func(t *testing.T) {
		fromSS, err := nstest.SS(ns)
		if errors.Is(err, exec.ErrNotFound) {
			t.Skipf("not comparing with ss: %v (ss is in iproute2, nsenter in util-linux; .ci/run installs both)", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tuples(s.want), tuples(fromSS)); diff != "" {
			t.Errorf("ss lists other sockets than the test made (-made +ss):\n%s", diff)
		}
	})

	for _, tc := range []struct {
		name   string
		states model.StateSet
	}{
		{"all", model.AllStateSet},
		{"listening", model.ListeningStateSet},
	} {
		t.Run("collect/"+tc.name, func(t *testing.T) {
			snap, err := New(Config{Mode: ModeProc, NetNS: ns.Path(), States: tc.states}).Collect(context.Background())
			if err != nil {
				t.Fatalf("Collect(NetNS %s): %v", ns.Path(), err)
			}
			want := slices.DeleteFunc(slices.Clone(s.want), func(w model.Socket) bool { return !tc.states.Has(w.State) })
			if diff := cmp.Diff(tuples(want), tuples(snap.Sockets)); diff != "" {
				t.Errorf("Collect(%v) in the namespace mismatch (-want +got):\n%s", tc.states, diff)
			}
			if snap.NetNS != uint32(ns.Inode()) {
				t.Errorf("snapshot netns = %d, want %d", snap.NetNS, ns.Inode())
			}
		})
	}
}
