package tui

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/conntab/conntab/model"
)

// TestGolden runs the dashboard as a program (teatest) on the fixed
// snapshot, at 120x40 and 80x24, goes to each view and compares the
// screen with testdata/TestGolden/VIEW_WxH.golden (go test ./tui -update
// rewrites them). The screen is compared as text: colours are the
// terminal's business, and every flag and mark must read without them.
// The Ports view takes two samples five seconds apart (r asks for the
// second), for its rates and time to exhaustion.
func TestGolden(t *testing.T) {
	ports := []*model.Snapshot{portsFixture(t0, false), portsFixture(t0.Add(5*time.Second), true)}
	views := []struct {
		name string
		keys []string
		// wait is text that a command started by the keys draws; the
		// keys themselves are handled in order before the quit that
		// follows them.
		wait string
		// snaps are the samples, the first after the start and the
		// others on r; nil: fixture(t0).
		snaps []*model.Snapshot
	}{
		{"sockets", nil, "", nil},
		{"remotes", []string{"2"}, "", nil},
		{"listeners", []string{"3"}, "", ports[:1]}, // with the settings, for the Priv column
		{"listeners-findings", []string{"3", "down", "down", "enter"}, "", ports[:1]},
		{"processes", []string{"4"}, "", nil},
		{"ports", []string{"5", "r"}, "19.0s", ports},
		{"ports-findings", []string{"5", "r", "enter"}, "19.0s", ports},
		{"detail", []string{"down", "down", "down", "down", "enter"}, "cmdline", nil},
		{"filtered", []string{"/", "type:state time-wait", "enter", "2"}, "", nil},
		{"help", []string{"?"}, "", nil},
	}
	for _, size := range [][2]int{{120, 40}, {80, 24}} {
		for _, v := range views {
			name := fmt.Sprintf("%s_%dx%d", v.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				snaps := v.snaps
				if snaps == nil {
					snaps = []*model.Snapshot{fixture(t0)}
				}
				cfg := testConfig(snaps...)
				cfg.Interval = time.Hour // one sample: no timer decides the frame
				m := New(context.Background(), cfg)
				tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(size[0], size[1]),
					teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
				teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("09:30:00")) },
					teatest.WithDuration(5*time.Second))
				for _, k := range v.keys {
					if text, ok := strings.CutPrefix(k, "type:"); ok {
						tm.Type(text)
					} else {
						tm.Send(keyMsg(k))
					}
				}
				if v.wait != "" {
					teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(v.wait)) },
						teatest.WithDuration(5*time.Second))
				}
				if err := tm.Quit(); err != nil {
					t.Fatal(err)
				}
				final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
				golden.RequireEqual(t, screen(final))
			})
		}
	}
}

// TestNoCollectDependency: the dashboard gets the kernel's data through
// Config only; collect stays out of tui (docs/architecture.md draws the
// package graph).
func TestNoCollectDependency(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", ".")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		// Without the list the test would pass having checked nothing.
		t.Fatalf("go list -deps .: %v\n%s", err, stderr.Bytes())
	}
	for _, p := range strings.Fields(string(out)) {
		if p == "github.com/conntab/conntab/collect" {
			t.Fatal("tui depends on collect")
		}
	}
}
