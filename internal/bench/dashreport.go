//go:build linux

package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// Issue 5's acceptance for the dashboard at 130k sockets.
const (
	cpuLimitPercent = 30
	rssLimitKiB     = 200 * 1024
)

// cpuPercent is the process's CPU time between two samples as a percent
// of one core.
func cpuPercent(a, b dashSample, clkTck int) float64 {
	return ticksPercent(b.conntab.ticks-a.conntab.ticks, a, b, clkTck)
}

func ticksPercent(ticks uint64, a, b dashSample, clkTck int) float64 {
	secs := b.at.Sub(a.at).Seconds()
	if secs <= 0 || clkTck <= 0 {
		return 0
	}
	return float64(ticks) / float64(clkTck) / secs * 100
}

// dashSlice is the figures of samples[from:to+1].
type dashSlice struct {
	from, to  time.Duration // since the window's first sample
	cpu       float64       // percent of one core
	rssEndKiB int64
	renewal   bool // a TIME_WAIT renewal overlapped it
}

// slicesOf cuts the window into slices of every samples (the last one may
// be shorter).
func slicesOf(samples []dashSample, every int, clkTck int, renewals []span) []dashSlice {
	var out []dashSlice
	if len(samples) < 2 || every < 1 {
		return nil
	}
	t0 := samples[0].at
	for i := 0; i+1 < len(samples); i += every {
		j := min(i+every, len(samples)-1)
		a, b := samples[i], samples[j]
		s := dashSlice{from: a.at.Sub(t0), to: b.at.Sub(t0), cpu: cpuPercent(a, b, clkTck), rssEndKiB: b.rssKiB}
		for _, r := range renewals {
			if r.start.Before(b.at) && r.end.After(a.at) {
				s.renewal = true
			}
		}
		out = append(out, s)
	}
	return out
}

// rssFigures are the resident set's figures over the window.
type rssFigures struct {
	first, last, min, max int64 // KiB
	// slope is the least-squares line's, in MiB per minute.
	slope float64
}

func rssOf(samples []dashSample) rssFigures {
	if len(samples) == 0 {
		return rssFigures{}
	}
	r := rssFigures{first: samples[0].rssKiB, last: samples[len(samples)-1].rssKiB, min: samples[0].rssKiB, max: samples[0].rssKiB}
	var sx, sy, sxx, sxy float64
	t0 := samples[0].at
	for _, s := range samples {
		r.min, r.max = min(r.min, s.rssKiB), max(r.max, s.rssKiB)
		x, y := s.at.Sub(t0).Minutes(), float64(s.rssKiB)/1024
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	n := float64(len(samples))
	if d := n*sxx - sx*sx; d > 0 {
		r.slope = (n*sxy - sx*sy) / d
	}
	return r
}

// writeDashReport prints the run as Markdown.
func writeDashReport(w io.Writer, cfg config, m machineInfo, r *dashRun) error {
	b := &strings.Builder{}
	first, last := r.samples[0], r.samples[len(r.samples)-1]
	length := last.at.Sub(first.at)
	cpu := cpuPercent(first, last, r.clkTck)
	rss := rssOf(r.samples)

	fmt.Fprintf(b, "### Dashboard, %v window: %s, %d CPUs, kernel %s\n\n", r.window, m.date, m.cpus, m.kernel)
	rev := m.revision
	if rev == "" {
		rev = "?"
	}
	fmt.Fprintf(b, "- CPU: %s; memory: %s; %s; conntab at %s\n", m.cpu, m.mem, m.goVersion, rev)
	extra := ""
	if cfg.repo != "" {
		extra += " -repo " + cfg.repo
	}
	if r.samplesFile != "" {
		extra += " -samples " + r.samplesFile
	}
	fmt.Fprintf(b, "- `go run ./internal/bench -dashboard %v -conns %d -timewait %d -udp %d -holders %d -window %v%s`\n",
		r.window, cfg.conns, cfg.timeWait, cfg.udp, cfg.holders, cfg.window, extra)
	fmt.Fprintf(b, "- `nsenter --net=NS conntab top -i %s` in a %dx%d tmux pane (TERM=%s); first frame %.1f s after the pane started; "+
		"the window began %.0f s after the TIME_WAIT batch was complete\n",
		dashInterval, dashWidth, dashHeight, r.term, r.firstFrame.Seconds(), dashSettle.Seconds())
	fmt.Fprintf(b, "- load average (1, 5, 15 min): %s before the fixture, %s at the window's start, %s at its end\n",
		r.loadBefore, r.loadStart, r.loadEnd)
	busy := ticksPercent(last.machine.busy-first.machine.busy, first, last, r.clkTck) / 100
	tmux := ticksPercent(last.tmux.ticks-first.tmux.ticks, first, last, r.clkTck)
	fmt.Fprintf(b, "- the machine was busy %.2f CPUs of %d during the window (/proc/stat): conntab %.2f, the tmux server %.2f, everything else %.2f\n",
		busy, m.cpus, cpu/100, tmux/100, busy-cpu/100-tmux/100)
	var during []string
	for _, s := range r.renewals {
		if s.start.Before(last.at) && s.end.After(first.at) {
			during = append(during, fmt.Sprintf("%+.0f s to %+.0f s", s.start.Sub(first.at).Seconds(), s.end.Sub(first.at).Seconds()))
		}
	}
	if len(during) == 0 {
		b.WriteString("- TIME_WAIT batch: not renewed during the window\n")
	} else {
		fmt.Fprintf(b, "- TIME_WAIT batch renewed (ss -K, then %d new) %d times during the window, at %s of it (slices marked R)\n",
			cfg.timeWait, len(during), strings.Join(during, ", "))
	}
	fmt.Fprintf(b, "- host processes and their open descriptors (the dashboard walks them all; the fixture's holders hold %d): %d and %d at the window's start, %d and %d at its end\n",
		2*cfg.conns+cfg.udp, first.host.procs, first.host.fds, last.host.procs, last.host.fds)
	fmt.Fprintf(b, "- the header's socket count (`total N`): %d at the window's start, %d at its end\n", r.totalStart, r.totalEnd)
	fmt.Fprintf(b, "- fixture (sock_diag) when the window started: %s\n", r.countsStart.summary())
	fmt.Fprintf(b, "- and after it (TIME_WAIT batch %.0f s old): %s\n", r.ageEnd.Seconds(), r.countsEnd.summary())
	if r.ssErr != nil {
		fmt.Fprintf(b, "- `ss -tan | wc -l` in the namespace after the window: failed: %s\n", oneLine(r.ssErr))
	} else {
		fmt.Fprintf(b, "- `ss -tan | wc -l` in the namespace, once, after the window: %s, %d lines\n", ms(r.ss.Wall), r.ss.Lines)
	}

	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	fmt.Fprintf(b, "\n| over %.0f s, %d samples | measured | issue 5 |\n|---|--:|---|\n", length.Seconds(), len(r.samples))
	fmt.Fprintf(b, "| CPU, percent of one core | %.1f%% | at most %d%%: %s |\n", cpu, cpuLimitPercent, verdict(cpu <= cpuLimitPercent))
	fmt.Fprintf(b, "| RSS first / last | %s / %s | |\n", mib(rss.first), mib(rss.last))
	fmt.Fprintf(b, "| RSS min / max | %s / %s | at most 200 MiB: %s |\n", mib(rss.min), mib(rss.max), verdict(rss.max <= rssLimitKiB))
	flat := "flat over 10 minutes"
	if length < 5*time.Minute {
		flat += ": too short a window to judge"
	}
	fmt.Fprintf(b, "| RSS slope (least squares) | %+.2f MiB/min | %s |\n", rss.slope, flat)
	if r.hwmKiB > 0 {
		fmt.Fprintf(b, "| peak RSS since start (VmHWM) | %s | |\n", mib(r.hwmKiB))
	}
	fmt.Fprintf(b, "| threads | %d | |\n", last.conntab.threads)

	fives := slicesOf(r.samples, 5, r.clkTck, r.renewals)
	if length <= 2*time.Minute {
		b.WriteString("\nPer 5-s slice (R: a TIME_WAIT renewal overlapped it):\n\n| slice | CPU, % of one core | RSS at its end |\n|---|--:|--:|\n")
		for _, s := range fives {
			fmt.Fprintf(b, "| %s | %.1f%% | %s |\n", sliceName(s), s.cpu, mib(s.rssEndKiB))
		}
	} else {
		cpus := make([]float64, 0, len(fives))
		for _, s := range fives {
			cpus = append(cpus, s.cpu)
		}
		slices.Sort(cpus)
		fmt.Fprintf(b, "\nThe %d 5-s slices: CPU %.1f%% min, %.1f%% median, %.1f%% max.\n",
			len(cpus), cpus[0], cpus[len(cpus)/2], cpus[len(cpus)-1])
		b.WriteString("\nPer minute (R: a TIME_WAIT renewal overlapped it):\n\n| minute | CPU, % of one core | RSS min | RSS max | RSS at its end | host descriptors at its end |\n|---|--:|--:|--:|--:|--:|\n")
		for i, s := range slicesOf(r.samples, 60, r.clkTck, r.renewals) {
			lo, hi := i*60, min(i*60+60, len(r.samples)-1)
			part := rssOf(r.samples[lo : hi+1])
			fmt.Fprintf(b, "| %s | %.1f%% | %s | %s | %s | %d |\n", sliceName(s), s.cpu, mib(part.min), mib(part.max), mib(s.rssEndKiB), r.samples[hi].host.fds)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sliceName(s dashSlice) string {
	name := fmt.Sprintf("%.0f-%.0f s", s.from.Seconds(), s.to.Seconds())
	if s.renewal {
		name += " R"
	}
	return name
}

// writeSamplesFile writes every sample as CSV: seconds into the window,
// conntab's CPU over the second before (percent of one core) and its
// cumulative ticks, RSS, threads, the tmux server's ticks, the machine's
// busy and total ticks (all CPUs), and 1 if a TIME_WAIT renewal overlapped
// the second before.
func writeSamplesFile(path string, r *dashRun) error {
	var b strings.Builder
	b.WriteString("t_s,cpu_pct,ticks,rss_kib,threads,tmux_ticks,machine_busy_ticks,machine_total_ticks,renewal\n")
	t0 := r.samples[0].at
	for i, s := range r.samples {
		cpu, renewal := 0.0, 0
		if i > 0 {
			cpu = cpuPercent(r.samples[i-1], s, r.clkTck)
			for _, rn := range r.renewals {
				if rn.start.Before(s.at) && rn.end.After(r.samples[i-1].at) {
					renewal = 1
				}
			}
		}
		fmt.Fprintf(&b, "%.3f,%.1f,%d,%d,%d,%d,%d,%d,%d\n", s.at.Sub(t0).Seconds(), cpu, s.conntab.ticks, s.rssKiB,
			s.conntab.threads, s.tmux.ticks, s.machine.busy, s.machine.total, renewal)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
