//go:build linux

package main

import (
	"context"
	"errors"
	"io"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
)

// TestMain lets the test binary serve as holder, spawner and bare dump,
// as the harness binary does.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case holderArg:
			os.Exit(holderMain(os.Args[2:]))
		case spawnArg:
			os.Exit(spawnMain(os.Args[2:]))
		case bareDumpArg:
			os.Exit(bareDumpMain(os.Args[2:]))
		}
	}
	os.Exit(m.Run())
}

var regexpSockets = regexp.MustCompile(`^248 sockets, [0-9]+ bytes$`)

// TestFixture builds a small fixture and checks its exact counts, twice:
// remaking TIME_WAIT sockets must replace the batch, not add to it.
func TestFixture(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace: run as root (CI does)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := config{rounds: 1, conns: 50, timeWait: 100, udp: 10, holders: 2, window: 45 * time.Second}
	log := io.Discard
	if testing.Verbose() {
		log = os.Stderr
	}
	f, err := newFixture(ctx, cfg, log)
	if errors.Is(err, nstest.ErrUnshare) {
		t.Skipf("needs root to create a network namespace: run as root (CI does): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := f.close(); err != nil {
			t.Error(err)
		}
	}()

	// Per holder: 25 connections, 16 over IPv4, 6 over IPv6 and 3 to the
	// dual-stack listener (the accepted end v4-mapped); 10 half closed;
	// four listeners (IPv4, IPv6-only, dual-stack, TIME_WAIT's); 5 UDP
	// sockets, 3 unconnected and 2 connected.
	want := map[string]map[model.State]int{
		"tcp": {model.StateEstablished: 100, model.StateTimeWait: 100, model.StateListen: 8,
			model.StateCloseWait: 20, model.StateFinWait2: 20},
		"udp": {model.StateUnconn: 6, model.StateEstablished: 4},
	}
	for batch := 1; batch <= 2; batch++ {
		if err := f.makeTimeWait(ctx, cfg.timeWait); err != nil {
			t.Fatal(err)
		}
		c, err := f.counts()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]map[model.State]int{"tcp": c.TCP, "udp": c.UDP}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("batch %d: sockets by state (-want +got):\n%s", batch, diff)
		}
		// IPv6 sockets per holder: both ends of 6, the v4-mapped end of 3,
		// two listeners.
		if c.TCP6 != 34 {
			t.Errorf("batch %d: %d TCP sockets over IPv6, want 34", batch, c.TCP6)
		}
		if tw := c.Sockstat["TCP"]["tw"]; tw != 100 {
			t.Errorf("batch %d: sockstat tw = %d, want 100", batch, tw)
		}
	}

	// The spawner runs commands inside the namespace.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.runIn(ctx, spawnRequest{Argv: []string{self, bareDumpArg}, Count: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Lines != 1 || !regexpSockets.MatchString(res.LastLine) {
		t.Errorf("bare dump printed %d lines, last %q; want one line \"248 sockets, ...\"", res.Lines, res.LastLine)
	}
	if res.Wall <= 0 || res.MaxRSS <= 0 {
		t.Errorf("bare dump measured as %+v; want wall time and ru_maxrss", res)
	}
}
