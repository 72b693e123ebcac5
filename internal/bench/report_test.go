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

func TestWriteReportSecondNamespace(t *testing.T) {
	cfg := config{rounds: 3, conns: 45000, timeWait: 40000, udp: 2000, holders: 5, window: 45 * time.Second,
		other: 50000, pin: 1, growth: []int{130000, 1000000}, growthRounds: 5}
	other := counts{TCP: map[model.State]int{model.StateEstablished: 50000, model.StateListen: 15}, TCP6: 15640,
		Sockstat: map[string]map[string]int{"TCP": {"inuse": 30000}}}
	res := &runResult{probes: reportProbes(), otherBefore: other, otherAfter: other, ehash: "262144 buckets, shared",
		hostBefore: slabCounts{tcp: 1, ok: true}, epochs: []*epoch{{first: 1, rounds: 3}}}
	var b strings.Builder
	if err := writeReport(&b, cfg, machineInfo{}, res); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"- `go run ./internal/bench -rounds 3 -conns 45000 -timewait 40000 -udp 2000 -holders 5 -other 50000 -window 45s -pin 1 -growth 130000,1000000 -growth-rounds 5`\n",
		"- TCP established hash: 262144 buckets, shared\n",
		"before the fixtures were made; not readable (/proc/slabinfo) at the end\n",
		"| 1 | 1-3 | before (0 s old) |",
		"The second namespace, alive all along (25000 connections over 3 holders of its own, no TIME_WAIT)",
		"| when | TCP ESTABLISHED |",
		"|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
		"| before | 50000 | 0 | 15 | 0 | 0 | 0 | 15640 (31.3%) | 0 | 0 | 30000 / 0 |\n",
		"| after | 50000 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks\n%s\ngot:\n%s", want, out)
		}
	}
	// Without rounds (the growth table alone) there is no fixture table.
	cfg.rounds = 0
	b.Reset()
	if err := writeReport(&b, cfg, machineInfo{}, res); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "TIME_WAIT batch | rounds") || strings.Contains(b.String(), "| ratio |") {
		t.Errorf("-rounds 0: the report has the timed rounds' tables:\n%s", b.String())
	}
}

func TestPlural(t *testing.T) {
	if got := plural(1, "holder"); got != "1 holder" {
		t.Errorf("plural(1) = %q", got)
	}
	if got := plural(39, "holder"); got != "39 holders" {
		t.Errorf("plural(39) = %q", got)
	}
}

func TestRoundsName(t *testing.T) {
	for _, tt := range []struct {
		e    epoch
		want string
	}{
		{epoch{first: 1, rounds: 0}, "none"},
		{epoch{first: 1, rounds: 1}, "1"},
		{epoch{first: 4, rounds: 3}, "4-6"},
	} {
		if got := roundsName(&tt.e); got != tt.want {
			t.Errorf("roundsName(first %d, %d rounds) = %q, want %q", tt.e.first, tt.e.rounds, got, tt.want)
		}
	}
}
