//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
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
		case allocArg:
			os.Exit(allocMain())
		}
	}
	os.Exit(m.Run())
}

var regexpSockets = regexp.MustCompile(`^250 sockets, [0-9]+ bytes$`)

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
	f, err := newFixture(ctx, cfg, true, log)
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
	// five listeners (IPv4, IPv6-only, dual-stack, TIME_WAIT's over IPv4
	// and over IPv6); 5 UDP sockets, 3 unconnected and 2 connected; 50
	// TIME_WAIT, 12 over ::1, 3 from v4-mapped clients, 35 over IPv4.
	want := map[string]map[model.State]int{
		"tcp": {model.StateEstablished: 100, model.StateTimeWait: 100, model.StateListen: 10,
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
		// three listeners, 15 TIME_WAIT.
		if c.TCP6 != 66 {
			t.Errorf("batch %d: %d TCP sockets over IPv6, want 66", batch, c.TCP6)
		}
		if got, want := timeWaitForms(t, f), map[string]int{"::1": 24, "v4-mapped": 6, "IPv4": 70}; !cmp.Equal(want, got) {
			t.Errorf("batch %d: TIME_WAIT sockets by address, as ss shows them (-want +got):\n%s", batch, cmp.Diff(want, got))
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
		t.Errorf("bare dump printed %d lines, last %q; want one line \"250 sockets, ...\"", res.Lines, res.LastLine)
	}
	if res.Wall <= 0 || res.MaxRSS <= 0 {
		t.Errorf("bare dump measured as %+v; want wall time and ru_maxrss", res)
	}
	// One walk of both families finds the same sockets.
	res, err = f.runIn(ctx, spawnRequest{Argv: []string{self, bareDumpArg, oneWalkArg}, Count: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Lines != 1 || !regexpSockets.MatchString(res.LastLine) {
		t.Errorf("one-walk bare dump printed %d lines, last %q; want one line \"250 sockets, ...\"", res.Lines, res.LastLine)
	}
	// A timed run is traced: its peak RSS is read as it exits.
	res, err = f.runIn(ctx, spawnRequest{Argv: []string{self, bareDumpArg}})
	if err != nil {
		t.Fatal(err)
	}
	if res.HWM <= 0 || res.Wall <= 0 {
		t.Errorf("timed bare dump measured as %+v; want wall time and VmHWM", res)
	}
	// A request may pin its command to one CPU.
	grep, err := exec.LookPath("grep")
	if err != nil {
		t.Fatal(err)
	}
	cpu := runtime.NumCPU() - 1
	res, err = f.runIn(ctx, spawnRequest{Argv: []string{grep, "Cpus_allowed_list", "/proc/self/status"}, Count: true, CPU: &cpu})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("Cpus_allowed_list:\t%d", cpu); res.LastLine != want {
		t.Errorf("pinned to CPU %d: %q, want %q", cpu, res.LastLine, want)
	}
	// and the next one runs where the spawner may.
	res, err = f.runIn(ctx, spawnRequest{Argv: []string{grep, "Cpus_allowed_list", "/proc/self/status"}, Count: true})
	if err != nil {
		t.Fatal(err)
	}
	if mine, _ := os.ReadFile("/proc/self/status"); !strings.Contains(string(mine), res.LastLine+"\n") {
		t.Errorf("after a pinned command: %q, not this process's", res.LastLine)
	}
}

// timeWaitForms counts the namespace's TIME_WAIT sockets by the form of
// their local address, as ss -tan prints it.
func timeWaitForms(t *testing.T, f *fixture) map[string]int {
	t.Helper()
	out, err := f.ns.Command("ss", "-Htan", "state", "time-wait").Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	forms := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 4 {
			t.Fatalf("ss line %q: want 4 fields", line)
		}
		local := fields[2]
		switch {
		case strings.HasPrefix(local, "[::1]:"):
			forms["::1"]++
		case strings.HasPrefix(local, "[::ffff:127."):
			forms["v4-mapped"]++
		case strings.HasPrefix(local, "127."):
			forms["IPv4"]++
		default:
			forms[local]++
		}
	}
	return forms
}
