package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/conntab/conntab/internal/nstest"
)

// cutNumberOnScreen finds a number cut at an ellipsis: "29…", "10.0.…",
// "…95".
var cutNumberOnScreen = regexp.MustCompile(`[0-9][.:,/%]?…|…[.:]?[0-9]`)

// TestDashboardLayoutInTmux runs the real binary in tmux at 80x24,
// 120x40 and 200x60, in a namespace where python3 listens on redis's
// port on every interface and 60 TIME_WAIT sockets hold ephemeral ports,
// and reads what a person would: no screen cuts a number; the header
// keeps the ephemeral range once the sparklines have grown; the
// Listeners view keeps python3's pid, and its two flags whole from 120
// columns; the footer keeps "? help" and "q quit"; the help screen shows
// every key and scrolls to its legends; the sorting keys and the sort
// menu mark the column they sort by; and esc then q, typed at once,
// quits.
func TestDashboardLayoutInTmux(t *testing.T) {
	ns, pid := tmuxNamespace(t, "python3")
	timeWait(t, ns, 60)
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			layoutInTmux(t, ns, size[0], size[1], strconv.Itoa(pid))
		})
	}
}

// timeWait leaves n TIME_WAIT sockets to 127.0.0.1:5432 in ns.
func timeWait(t *testing.T, ns *nstest.NS, n int) {
	t.Helper()
	ln, err := ns.Listen("tcp4", "127.0.0.1:5432")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				buf := make([]byte, 1)
				c.Read(buf) // the client closes first
				c.Close()
			}()
		}
	}()
	for i := range n {
		c, err := ns.Dial("tcp4", "127.0.0.1:5432")
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		c.(*net.TCPConn).SetLinger(-1)
		c.Close()
	}
}

// tmuxPane is a dashboard running in a tmux session of its own.
type tmuxPane struct {
	t       *testing.T
	session string
	w, h    int
}

func (p *tmuxPane) tmux(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-L", p.session}, args...)...).CombinedOutput()
	return string(out), err
}

// keys sends keys as tmux names them, in one write when several.
func (p *tmuxPane) keys(k ...string) {
	p.t.Helper()
	if out, err := p.tmux(append([]string{"send-keys", "-t", p.session}, k...)...); err != nil {
		p.t.Fatalf("send-keys %q: %v: %s", k, err, out)
	}
}

// waitFor polls the screen until ok, and checks every screen it reads:
// no line wider than the pane, no number cut, the footer's keys whole.
func (p *tmuxPane) waitFor(what string, ok func(string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s, err := p.tmux("capture-pane", "-p", "-t", p.session)
		if err == nil && ok(s) {
			p.check(s)
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%dx%d: waiting for %s; the screen is:\n%s", p.w, p.h, what, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// check fails on a screen that cuts a number, is wider than the pane, or
// whose footer lacks "? help" or "q quit".
func (p *tmuxPane) check(s string) {
	p.t.Helper()
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if cut := cutNumberOnScreen.FindString(l); cut != "" {
			p.t.Errorf("%dx%d: line %d cuts a number (%q): %q", p.w, p.h, i, cut, l)
		}
		if w := ansi.StringWidth(l); w > p.w {
			p.t.Errorf("%dx%d: line %d is %d cells wide", p.w, p.h, i, w)
		}
	}
	if foot := strings.TrimSpace(lines[len(lines)-1]); len(lines) == p.h && (!strings.HasPrefix(foot, "? help") || !strings.HasSuffix(foot, "q quit")) {
		p.t.Errorf("%dx%d: footer %q", p.w, p.h, foot)
	}
}

// layoutInTmux is TestDashboardLayoutInTmux at one size; pid is
// python3's.
func layoutInTmux(t *testing.T, ns *nstest.NS, w, h int, pid string) {
	p := &tmuxPane{t: t, session: fmt.Sprintf("conntab-layout-%d-%d", os.Getpid(), w), w: w, h: h}
	cmd := fmt.Sprintf("nsenter --net=%s env CONNTAB_TEST_RUN_MAIN=1 TERM=xterm-256color %s top -i 100ms", ns.Path(), os.Args[0])
	if out, err := p.tmux("new-session", "-d", "-s", p.session, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), cmd); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	defer p.tmux("kill-server")
	first := p.waitFor("the first sample", func(s string) bool { return strings.Contains(s, "1 Sockets") && strings.Contains(s, "busiest") })
	clock := regexp.MustCompile(`[0-9]{2}:[0-9]{2}:[0-9]{2}`)
	start := clock.FindString(first)
	// Three seconds of samples every 100 ms grow the sparklines to their
	// longest; the range must outlast them.
	s := p.waitFor("three seconds of samples", func(s string) bool {
		now := clock.FindString(s)
		return now != "" && start != "" && secondsOf(now)-secondsOf(start) >= 3
	})
	if trends := lineWith(s, "busiest"); !strings.Contains(trends, "40000-40099") || !strings.Contains(trends, "127.0.0.1:5432") {
		t.Errorf("%dx%d: the trends line lacks the ephemeral range or the busiest pool: %q", w, h, trends)
	}
	p.keys("3")
	s = p.waitFor("the Listeners view", func(s string) bool {
		return strings.Contains(s, "Accept/Backlog") && strings.Contains(s, "0.0.0.0:6379")
	})
	row := lineWith(s, "0.0.0.0:6379")
	if !regexp.MustCompile(`/` + pid + `\b`).MatchString(row) {
		t.Errorf("%dx%d: python3's row lost its pid %s: %q", w, h, pid, row)
	}
	if w >= 120 && (!strings.Contains(row, "python3/"+pid) || !strings.Contains(row, "▲ EXPOSED, • PROGRAM")) {
		t.Errorf("%dx%d: python3's row is cut: %q", w, h, row)
	}
	helpInTmux(p)
	sortInTmux(p)
	// Esc then q in one write reaches the dashboard as alt+q.
	p.keys("Escape", "q")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if out, err := p.tmux("has-session", "-t", p.session); err != nil {
			break // the dashboard quit, and its session with it
		} else if time.Now().After(deadline) {
			s, _ := p.tmux("capture-pane", "-p", "-t", p.session)
			t.Fatalf("%dx%d: esc then q did not quit (%s); the screen is:\n%s", w, h, out, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// helpInTmux opens the help screen, reads every key on its first screen,
// scrolls to its legends, and closes it with esc.
func helpInTmux(p *tmuxPane) {
	p.t.Helper()
	p.keys("?")
	s := p.waitFor("the help screen", func(s string) bool { return strings.Contains(s, "esc or ? closes") })
	for _, k := range []string{"space pause", "r     refresh now", "?     help", "q     quit", "o/F6 sort by…", "S/I  reverse sort"} {
		if !strings.Contains(s, k) {
			p.t.Errorf("%dx%d: the help screen lacks %q:\n%s", p.w, p.h, k, s)
		}
	}
	p.keys("x") // not a key of the help screen: it stays open
	p.keys("G")
	p.waitFor("the help's legends", func(s string) bool {
		return strings.Contains(s, "Listeners: flags") && strings.Contains(s, "(docs/listeners.md)")
	})
	p.keys("Escape")
	p.waitFor("the Listeners view again", func(s string) bool { return strings.Contains(s, "Accept/Backlog") })
}

// sortInTmux sorts the Listeners view with > and through the sort menu,
// and reads the arrow beside the whole title each time.
func sortInTmux(p *tmuxPane) {
	p.t.Helper()
	p.keys(">")
	p.waitFor("the arrow on Proto", func(s string) bool { return strings.Contains(s, "Proto▲") })
	p.keys("o")
	p.waitFor("the sort menu", func(s string) bool { return strings.Contains(s, "Sort by") && strings.Contains(s, "natural order") })
	p.keys("Down", "Down", "Enter")
	p.waitFor("the arrow on Scope", func(s string) bool { return strings.Contains(s, "Scope▲") && !strings.Contains(s, "Sort by") })
	p.keys("I")
	p.waitFor("Scope reversed", func(s string) bool { return strings.Contains(s, "Scope▼") })
}

// secondsOf is a clock's "15:04:05" in seconds since midnight.
func secondsOf(clock string) int {
	t, err := time.Parse("15:04:05", clock)
	if err != nil {
		return 0
	}
	return t.Hour()*3600 + t.Minute()*60 + t.Second()
}
