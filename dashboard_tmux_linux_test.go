package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/conntab/conntab/internal/nstest"
)

// tmuxNamespace skips the test without tmux, and makes a namespace with
// a 100-port ephemeral range (40000-40099) in which a process named comm
// listens on 0.0.0.0:6379 until the test ends; pid is that process's.
// On loopback, tcp_tw_reuse's default (2) would let connect() take
// TIME_WAIT ports over, and the dashboard, reading the setting, would
// rightly not flag them: it is 0 here.
func tmuxNamespace(t *testing.T, comm string) (ns *nstest.NS, pid int) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed (.ci/run installs it)")
	}
	ns = nstest.Require(t)
	if err := ns.Sysctl("net.ipv4.ip_local_port_range", "40000 40099"); err != nil {
		t.Fatal(err)
	}
	if err := ns.Sysctl("net.ipv4.tcp_tw_reuse", "0"); err != nil {
		t.Fatal(err)
	}
	pid, stop, err := nstest.StartNamed(ns, comm, "tcp4", "0.0.0.0:6379")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return ns, pid
}

// TestDashboardInTmux runs the real binary in a terminal, as a person
// would: inside a test namespace where one destination's TIME_WAIT
// sockets hold 90 of the 100 ephemeral ports and a redis-server listens
// on every interface, it reads the Listeners view's EXPOSED flag and the
// finding's advice, switches views, filters `state time-wait`, and reads
// the screen for the flagged destination and its count.
func TestDashboardInTmux(t *testing.T) {
	// Redis on every IPv4 address: the listener audit's EXPOSED.
	ns, _ := tmuxNamespace(t, "redis-server")
	ln, err := ns.Listen("tcp4", "127.0.0.1:5432")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }() // close after the client does
		}
	}()
	// 90 connections closed by the client: 90 TIME_WAIT sockets to
	// 127.0.0.1:5432, each holding an ephemeral port for 60 s.
	const timeWait = 90
	for i := range timeWait {
		c, err := ns.Dial("tcp4", "127.0.0.1:5432")
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		c.(*net.TCPConn).SetLinger(-1)
		c.Close()
	}
	if err := ns.AwaitSS(timeWait, 10*time.Second, "-t", "state", "time-wait"); err != nil {
		t.Fatal(err)
	}

	session := fmt.Sprintf("conntab-test-%d", os.Getpid())
	tmux := func(args ...string) (string, error) {
		out, err := exec.Command("tmux", append([]string{"-L", session}, args...)...).CombinedOutput()
		return string(out), err
	}
	cmd := fmt.Sprintf("nsenter --net=%s env CONNTAB_TEST_RUN_MAIN=1 TERM=xterm-256color %s top -i 1s", ns.Path(), os.Args[0])
	if out, err := tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", cmd); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	defer tmux("kill-server")
	screen := func() string { out, _ := tmux("capture-pane", "-p", "-t", session); return out }
	waitFor := func(what string, ok func(string) bool) string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			s := screen()
			if ok(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s; the screen is:\n%s", what, s)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	keys := func(k ...string) {
		t.Helper()
		if out, err := tmux(append([]string{"send-keys", "-t", session}, k...)...); err != nil {
			t.Fatalf("send-keys %q: %v: %s", k, err, out)
		}
	}
	waitFor("the first sample", func(s string) bool { return strings.Contains(s, "1 Sockets") && strings.Contains(s, "TIME_WAIT") })
	keys("3")
	s := waitFor("the Listeners view", func(s string) bool {
		return strings.Contains(s, "Accept/Backlog") && strings.Contains(s, "127.0.0.1:5432") && strings.Contains(s, "0.0.0.0:6379")
	})
	// The exposed listener comes first, under the cursor: enter shows why
	// and what to do, esc goes back.
	if row := lineWith(s, "tcp   0.0.0.0:6379"); !strings.Contains(row, "all (IPv4)") || !strings.Contains(row, "redis-serv") || !strings.HasSuffix(strings.TrimSpace(row), "▲ EXPOSED") {
		t.Errorf("redis's row: %q\nscreen:\n%s", row, s)
	}
	keys("Enter")
	waitFor("redis's finding", func(s string) bool {
		return strings.Contains(s, "Findings for tcp 0.0.0.0:6379 (redis)") && strings.Contains(s, "Do: Bind it to 127.0.0.1") &&
			strings.Contains(s, "Does not fix: clients on other hosts")
	})
	keys("Escape")
	waitFor("the Listeners view again", func(s string) bool { return strings.Contains(s, "Accept/Backlog") })
	keys("2")
	waitFor("the Remote endpoints view", func(s string) bool { return strings.Contains(s, "Remote") && strings.Contains(s, "Pool") })
	keys("/")
	keys("-l", "state time-wait")
	keys("Enter")
	s = waitFor("the filtered, flagged destination", func(s string) bool {
		return strings.Contains(s, "filter: state time-wait") && lineWith(s, "tcp   127.0.0.1:5432") != ""
	})
	row := lineWith(s, "tcp   127.0.0.1:5432")
	fields := strings.Fields(row)
	// Proto Remote Service Total ESTAB TIME_WAIT CLOSE_WAIT Other TW% Pool Flags...
	want := []string{"tcp", "127.0.0.1:5432", "postgresql", "90", "0", "90", "0", "0", "100%", "90/100", "▲", "TW", "90%"}
	if strings.Join(fields, " ") != strings.Join(want, " ") {
		t.Errorf("flagged destination's row:\n got %q\nwant %q\nscreen:\n%s", fields, want, s)
	}
	if !strings.Contains(s, "busiest 127.0.0.1:5432 90/100 90% ▲ WARN") {
		t.Errorf("header does not name the busiest pool:\n%s", s)
	}
	keys("q")
	waitFor("the dashboard to quit", func(s string) bool { return !strings.Contains(s, "1 Sockets") })
}

// lineWith returns the first line of s holding text, or "".
func lineWith(s, text string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, text) {
			return l
		}
	}
	return ""
}
