package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
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

// TestKernelHostileProcessName: a process names itself with an escape
// sequence (prctl PR_SET_NAME) and listens; conntab list -p names it, and
// nothing of the escape reaches the output raw, in text, CSV, JSON or the
// dashboard.
func TestKernelHostileProcessName(t *testing.T) {
	ns := nstest.Require(t)
	const comm = "\x1b[31mevil\x07"
	// This test binary, again, inside ns: it names itself with prctl
	// (see prctl_linux_test.go) and listens.
	child := startNamed(t, ns, comm, "127.0.0.1:9099")
	pid := child.Process.Pid // nsenter execs the binary: the same pid

	list := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if err := run(t.Context(), append([]string{"list", "-l", "-p", "-N", ns.Path()}, args...), &out, &errb); err != nil {
			t.Fatalf("conntab list %s: %v (%s)", strings.Join(args, " "), err, errb.String())
		}
		return out.String()
	}
	escaped := fmt.Sprintf(`\x1b[31mevil\x07/%d`, pid)
	for name, out := range map[string]string{"text": list(), "csv": list("--csv")} {
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("%s: raw escape in the output:\n%q", name, out)
		}
		if !strings.Contains(out, escaped) {
			t.Errorf("%s: want %q in:\n%s", name, escaped, out)
		}
	}
	out := list("--json")
	if strings.ContainsAny(out, "\x1b\x07") {
		t.Errorf("json: raw escape in the output:\n%q", out)
	}
	found := false
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var j render.SocketJSON
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("invalid JSON %q: %v", line, err)
		}
		for _, p := range j.Processes {
			if p.PID == int32(pid) {
				found = true
				if p.Comm != comm {
					t.Errorf("json comm %q, want %q", p.Comm, comm)
				}
			}
		}
	}
	if !found {
		t.Errorf("pid %d not in the JSON listing:\n%s", pid, out)
	}

	// The dashboard, on the same namespace: the name is shown escaped, and
	// nothing of it reaches the terminal raw.
	cfg, err := dashboardConfig(t.Context(), &cli.TopOptions{NetNS: ns.Path(), Interval: time.Hour}, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, tui.New(t.Context(), cfg), teatest.WithInitialTermSize(160, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	var screen []byte
	// The Process column may cut "/PID" short once PIDs grow long: the
	// escaped name is what matters.
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		screen = b
		return bytes.Contains(b, []byte(`\x1b[31mevil\x07/`))
	}, teatest.WithDuration(10*time.Second))
	if bytes.Contains(screen, []byte(comm)) {
		t.Errorf("dashboard: the raw name reached the terminal:\n%q", screen)
	}
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))

	// The filter's pid predicate walks /proc by itself, without -p.
	var byPID bytes.Buffer
	if err := run(t.Context(), []string{"list", "-a", "-H", "-N", ns.Path(), "pid", strconv.Itoa(pid)}, &byPID, io.Discard); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(byPID.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "127.0.0.1:9099") {
		t.Errorf("pid %d selects:\n%s\nwant its one listener", pid, byPID.String())
	}
}
