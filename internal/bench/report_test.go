//go:build linux

package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/conntab/conntab/model"
)

// reportProbes are nProbes probes: conntab list -a -t twice as slow as ss
// in wall time, three times its CPU and four times its sys; the rest not
// measured.
func reportProbes() []*probe {
	ms := time.Millisecond
	probes := make([]*probe, nProbes)
	for i := range probes {
		probes[i] = &probe{name: fmt.Sprint("cmd", i), skip: "not here"}
	}
	probes[pConntab] = &probe{name: "conntab list -a -t", lines: 10, samples: []sample{
		{wall: 200 * ms, rss: 2048, user: 100 * ms, sys: 200 * ms},
		{wall: 220 * ms, rss: 2048, user: 100 * ms, sys: 200 * ms},
		{wall: 180 * ms, rss: 2048, user: 100 * ms, sys: 200 * ms},
	}}
	probes[pSS] = &probe{name: "ss -tan", lines: 10, samples: []sample{
		{wall: 100 * ms, rss: 1024, user: 50 * ms, sys: 50 * ms},
		{wall: 100 * ms, rss: 1024, user: 50 * ms, sys: 50 * ms},
		{wall: 100 * ms, rss: 1024, user: 50 * ms, sys: 50 * ms},
	}}
	probes[pTrue] = &probe{name: "true", lines: 0, samples: []sample{{wall: ms, rss: 1024}}}
	return probes
}

func TestWriteTimesCPUColumns(t *testing.T) {
	var b strings.Builder
	writeTimes(&b, reportProbes())
	out := b.String()
	for _, want := range []string{
		"| command | runs | median | min | max | CPU user+sys (median) | sys (median) | peak RSS (median) | peak RSS (GNU time) | output lines |",
		"| `conntab list -a -t` | 3 | 200.0 ms | 180.0 ms | 220.0 ms | 300.0 ms | 200.0 ms | 2.0 MiB | – | 10 |",
		"| `ss -tan` | 3 | 100.0 ms | 100.0 ms | 100.0 ms | 100.0 ms | 50.0 ms | 1.0 MiB | – | 10 |",
		"| `true` | 1 | 1.0 ms | 1.0 ms | 1.0 ms | 0.0 ms | 0.0 ms | 1.0 MiB | – | 0 |",
		"| `cmd2` | – | not measured | | | | | | | |",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("times table lacks the line\n%s\ngot:\n%s", want, out)
		}
	}
}

func TestWriteRatiosCPUAndSys(t *testing.T) {
	var b strings.Builder
	writeRatios(&b, reportProbes())
	out := b.String()
	for _, want := range []string{
		"| ratio | wall, of medians | wall per round: median (min-max) | CPU user+sys, of medians | sys, of medians | peak RSS, of medians |",
		"| `conntab list -a -t` / `ss -tan` | 2.00 | 2.00 (1.80-2.20) | 3.00 | 4.00 | 2.00 |",
		"| `cmd4` / `cmd5` | not measured | | | | |",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("ratio table lacks the line\n%s\ngot:\n%s", want, out)
		}
	}
}

func TestRatioOfZero(t *testing.T) {
	if got := ratio(time.Millisecond, 0); got != "–" {
		t.Errorf("ratio(1ms, 0) = %q, want –", got)
	}
	if got := ratio(3*time.Millisecond, 2*time.Millisecond); got != "1.50" {
		t.Errorf("ratio(3ms, 2ms) = %q, want 1.50", got)
	}
}

func TestCountRowMix(t *testing.T) {
	c := counts{
		TCP: map[model.State]int{model.StateEstablished: 90, model.StateTimeWait: 40, model.StateListen: 4,
			model.StateCloseWait: 5, model.StateFinWait2: 5, model.StateSynSent: 1},
		TCP6:     29,
		UDP:      map[model.State]int{model.StateEstablished: 3, model.StateUnconn: 4},
		Sockstat: map[string]map[string]int{"TCP": {"inuse": 105, "tw": 40}},
	}
	var b strings.Builder
	countRow(&b, "1 | 1-3 | before (2 s old)", c)
	want := "| 1 | 1-3 | before (2 s old) | 90 | 40 | 4 | 5 | 5 | 1 | 29 (20.0%) | 3 | 4 | 105 / 40 |\n"
	if b.String() != want {
		t.Errorf("countRow =\n%s\nwant\n%s", b.String(), want)
	}
	if got := c.summary(); !strings.Contains(got, "IPv6 29 (20.0%)") {
		t.Errorf("summary %q lacks the IPv6 share", got)
	}
}
