package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/tui"
)

// benchNetNS is the namespace file of a fixture that internal/bench -hold
// keeps (it prints the path); the dashboard benchmarks skip without it.
const benchNetNS = "CONNTAB_BENCH_NETNS"

// BenchmarkDashboardSample is one sample of conntab top on a held fixture,
// as the program takes it: the dashboard's own Collect (dashboardConfig:
// processes, their memory, the bind table every tenth, the settings),
// the sample's work (sample.Take), installing it and drawing a 120x40
// frame. dump is the floor under it: the one-walk streamed dump that
// conntab list -a -t reads, each socket decoded and thrown away; collect
// is the dashboard's Collect alone. user-ms and sys-ms split the
// process's CPU per sample (getrusage), rss-MiB is VmRSS after the last.
//
//	go run ./internal/bench -hold 30m   # prints the namespace's path
//	CONNTAB_BENCH_NETNS=PATH go test . -run '^$' -bench DashboardSample -benchtime 10x
func BenchmarkDashboardSample(b *testing.B) {
	ns := os.Getenv(benchNetNS)
	if ns == "" {
		b.Skipf("set %s to a fixture's namespace file (go run ./internal/bench -hold)", benchNetNS)
	}
	b.Run("dump", func(b *testing.B) {
		c := collect.New(collect.Config{NetNS: ns})
		discard := func(*model.Snapshot, []model.Socket) error { return nil }
		measureCPU(b, func() {
			if _, err := c.Stream(b.Context(), discard); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("collect", func(b *testing.B) {
		cfg := benchDashboardConfig(b, ns)
		collectOnce(b, cfg.Collect) // the first walks every process
		measureCPU(b, func() { collectOnce(b, cfg.Collect) })
	})
	b.Run("top", func(b *testing.B) {
		cfg := benchDashboardConfig(b, ns)
		cfg.MemoryLimit = dashboardMemoryLimit
		var m tea.Model = tui.New(b.Context(), cfg)
		m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		m, _ = m.Update(m.Init()()) // the first sample walks every process
		refresh := tea.KeyPressMsg{Code: 'r', Text: "r"}
		measureCPU(b, func() {
			var cmd tea.Cmd
			m, cmd = m.Update(refresh)
			m, _ = m.Update(cmd())
			_ = m.View()
		})
	})
}

// benchDashboardConfig is the dashboard's configuration for the namespace
// at ns, as conntab top -N ns makes it.
func benchDashboardConfig(b *testing.B, ns string) tui.Config {
	b.Helper()
	o := cli.DefaultTopOptions()
	o.NetNS, o.Interval = ns, time.Second
	cfg, err := dashboardConfig(b.Context(), &o, nil, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	return cfg
}

func collectOnce(b *testing.B, c func(context.Context) (*model.Snapshot, error)) {
	if _, err := c(b.Context()); err != nil {
		b.Fatal(err)
	}
}

// measureCPU runs f b.N times and reports the process's user and system
// CPU per run and its resident set after the last.
func measureCPU(b *testing.B, f func()) {
	b.ReportAllocs()
	var r0, r1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
	b.ResetTimer()
	for b.Loop() {
		f()
	}
	b.StopTimer()
	syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
	per := func(t0, t1 syscall.Timeval) float64 {
		return float64(t1.Nano()-t0.Nano()) / 1e6 / float64(b.N)
	}
	user, sys := per(r0.Utime, r1.Utime), per(r0.Stime, r1.Stime)
	b.ReportMetric(user, "user-ms/op")
	b.ReportMetric(sys, "sys-ms/op")
	b.ReportMetric(user+sys, "cpu-ms/op")
	b.ReportMetric(vmRSS()/(1<<20), "rss-MiB")
}

// vmRSS is this process's resident set in bytes, 0 if unknown.
func vmRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb * 1024
		}
	}
	return 0
}
