package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/conntab/conntab/internal/nstest"
)

// TestDashboardKillInTmux is issue 20's K, in a terminal: a server that
// closes every connection at once leaves its 5 clients in CLOSE_WAIT; the
// dashboard, filtered to them, is asked K on the group, answers y, and at
// the next sample the group is gone, as ss agrees.
func TestDashboardKillInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed (.ci/run installs it)")
	}
	ns := nstest.Require(t)
	ln, err := ns.Listen("tcp4", "127.0.0.1:7000")
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
			c.Close()
		}
	}()
	for i := range 5 {
		c, err := ns.Dial("tcp4", "127.0.0.1:7000")
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		defer c.(*net.TCPConn).Close()
	}

	// tmuxPane's tmux and keys; its waitFor would check the footer for
	// the keys, which the question replaces.
	p := &tmuxPane{t: t, session: fmt.Sprintf("conntab-kill-%d", os.Getpid()), w: 120, h: 40}
	cmd := fmt.Sprintf("nsenter --net=%s env CONNTAB_TEST_RUN_MAIN=1 TERM=xterm-256color %s top -i 1s state close-wait", ns.Path(), os.Args[0])
	if out, err := p.tmux("new-session", "-d", "-s", p.session, "-x", "120", "-y", "40", cmd); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	defer p.tmux("kill-server")
	waitFor := func(what string, ok func(string) bool) string {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			s, _ := p.tmux("capture-pane", "-p", "-t", p.session)
			if ok(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s; the screen is:\n%s", what, s)
			}
		}
	}
	keys := p.keys
	rows := func(s string) int { return strings.Count(s, "tcp   CLOSE_WAIT") }
	waitFor("the 5 CLOSE_WAIT sockets", func(s string) bool { return rows(s) == 5 })
	keys("K")
	waitFor("the question", func(s string) bool {
		return strings.Contains(s, "Close the 5 CLOSE_WAIT sockets shown (filter: state close-wait)?")
	})
	keys("y")
	waitFor("the group gone", func(s string) bool {
		return strings.Contains(s, "closed 5") && rows(s) == 0
	})
	out, err := ns.Command("ss", "-Htan", "state", "close-wait").Output()
	if err != nil || len(strings.TrimSpace(string(out))) != 0 {
		t.Errorf("ss state close-wait after K: %v %q, want none", err, out)
	}
	keys("q")
}
