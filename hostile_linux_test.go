package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/tui"
)

// hostileNames are process names (15 bytes at most) that display as other
// text than they hold, or that a spreadsheet runs as a formula, each with
// how the listing and the CSV spell it.
var hostileNames = []struct{ comm, text, csv string }{
	{"a\u202etxt.exe", `a\u202etxt.exe`, `a\u202etxt.exe`}, // shown as "aexe.txt"
	{"b\u2066c\u2069d", `b\u2066c\u2069d`, `b\u2066c\u2069d`},
	{"ad\u200bmin", `ad\u200bmin`, `ad\u200bmin`}, // shown as "admin"
	{"=1+1", "=1+1", "'=1+1"},
	{"@SUM(A1)", "@SUM(A1)", "'@SUM(A1)"},
	{"-2+3", "-2+3", "'-2+3"},
	{"+1", "+1", "'+1"},
}

// hostileRunes are the format characters of hostileNames, which no output
// may hold raw.
const hostileRunes = "\u202e\u2066\u2069\u200b"

// TestKernelFormatCharacterNames: processes named with bidi controls, a
// zero-width space or a formula listen in a namespace of their own;
// conntab list -p names each, escaped in the text and the CSV, exact in
// the JSON, never with a raw format character, and the CSV opens no
// formula.
func TestKernelFormatCharacterNames(t *testing.T) {
	ns := nstest.Require(t)
	pids := map[string]int{}
	for _, h := range hostileNames {
		pid, stop, err := nstest.StartNamed(ns, h.comm, "tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
		pids[h.comm] = pid
	}
	list := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if err := run(t.Context(), append([]string{"list", "-l", "-p", "-N", ns.Path()}, args...), &out, &errb); err != nil {
			t.Fatalf("conntab list %s: %v (%s)", strings.Join(args, " "), err, errb.String())
		}
		if strings.ContainsAny(out.String(), hostileRunes) {
			t.Errorf("list %s: a raw format character in the output:\n%q", strings.Join(args, " "), out.String())
		}
		return out.String()
	}

	text := list()
	for _, h := range hostileNames {
		if want := fmt.Sprintf("%s/%d", h.text, pids[h.comm]); !strings.Contains(text, want) {
			t.Errorf("text: want %q in:\n%s", want, text)
		}
	}

	checkCSVListing(t, list("--csv"), pids)

	found := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(list("--json")), "\n") {
		var j render.SocketJSON
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("invalid JSON %q: %v", line, err)
		}
		for _, p := range j.Processes {
			if pids[p.Comm] == int(p.PID) {
				found[p.Comm] = true
			}
		}
	}
	for _, h := range hostileNames {
		if !found[h.comm] {
			t.Errorf("json: no process %q with pid %d", h.comm, pids[h.comm])
		}
	}
}

// checkCSVListing: each hostile name is in the processes column as
// hostileNames spells it, and no text cell opens as a formula.
func checkCSVListing(t *testing.T, out string, pids map[string]int) {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("csv: %v:\n%s", err, out)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	cells := map[string]bool{}
	for _, row := range rows[1:] {
		for _, name := range []string{"service", "user", "processes"} {
			cell := row[col[name]]
			cells[cell] = true
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("csv: %s cell %q opens as a formula", name, cell)
			}
		}
	}
	for _, h := range hostileNames {
		if want := fmt.Sprintf("%s/%d/3", h.csv, pids[h.comm]); !cells[want] {
			t.Errorf("csv: no processes cell %q in:\n%s", want, out)
		}
	}
}

// TestKernelFormatCharacterDetail: the dashboard's detail pane shows the
// command line of a process that put bidi controls and a zero-width space
// in its name and its arguments, escaped.
func TestKernelFormatCharacterDetail(t *testing.T) {
	ns := nstest.Require(t)
	const comm, arg = "a\u202etxt.exe", "--x=\u2066y\u2069\u200bz"
	// This test binary names itself with prctl and listens (see
	// prctl_linux_test.go); its init ends it before the arguments are read.
	startNamed(t, ns, comm, "127.0.0.1:9099", arg)

	cfg, err := dashboardConfig(t.Context(), &cli.TopOptions{NetNS: ns.Path(), Interval: time.Hour}, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, tui.New(t.Context(), cfg), teatest.WithInitialTermSize(160, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	var screen []byte // everything drawn
	wait := func(want string) {
		t.Helper()
		var drawn []byte
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			drawn = b
			return bytes.Contains(b, []byte(want))
		}, teatest.WithDuration(10*time.Second))
		screen = append(screen, drawn...)
	}
	// Under the LISTEN group's row, the socket's: enter opens its detail.
	wait(`a\u202etxt.exe/`)
	tm.Send(tea.KeyPressMsg{Code: tea.KeyDown})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	wait(`--x=\u2066y\u2069\u200bz`)
	if bytes.ContainsAny(screen, hostileRunes) {
		t.Errorf("dashboard: a raw format character reached the terminal:\n%q", screen)
	}
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
