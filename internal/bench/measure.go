//go:build linux

package main

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// probe is one command the harness times.
type probe struct {
	name string
	argv []string
	// cpu, if set, is the one CPU the command runs on.
	cpu *int
	// skip, when set, says why the probe is not run.
	skip string
	// lines and lastLine are what the untimed first run printed.
	lines    int
	lastLine string
	// timeRSS is the first run's peak RSS in KiB as GNU time saw it; 0
	// without GNU time.
	timeRSS int64
	samples []sample
}

// sample is one timed run.
type sample struct {
	wall time.Duration
	// rss is the peak resident set of the process, in KiB: VmHWM at its
	// exit (see tracedRun).
	rss int64
	// user and sys are its CPU time in user space and in the kernel.
	user, sys time.Duration
}

// cpu is the sample's CPU time, user plus sys.
func (s sample) cpu() time.Duration { return s.user + s.sys }

// lineCounter counts lines and keeps the last one.
type lineCounter struct {
	lines int
	last  []byte
	cur   []byte
}

func (w *lineCounter) Write(p []byte) (int, error) {
	for _, c := range p {
		if c == '\n' {
			w.lines++
			w.last = append(w.last[:0], w.cur...)
			w.cur = w.cur[:0]
			continue
		}
		if len(w.cur) < 200 {
			w.cur = append(w.cur, c)
		}
	}
	return len(p), nil
}

// warm runs each probe once, untimed, counting its output and, with GNU
// time, measuring its peak RSS; a probe that fails is skipped from then on
// with the reason.
func (f *fixture) warm(ctx context.Context, probes []*probe, gnuTime string) error {
	for _, p := range probes {
		if p.skip != "" {
			continue
		}
		res, err := f.runIn(ctx, spawnRequest{Argv: p.argv, Count: true, GNUTime: gnuTime, CPU: p.cpu})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			p.skip = "failed: " + oneLine(err)
			fmt.Fprintf(f.log, "skipping %s: %v\n", p.name, err)
			continue
		}
		p.lines, p.lastLine, p.timeRSS = res.Lines, res.LastLine, res.TimeRSS
	}
	return nil
}

// round times each probe once, in the given order, stdout to /dev/null.
func (f *fixture) round(ctx context.Context, probes []*probe, order []int) error {
	for _, i := range order {
		p := probes[i]
		if p.skip != "" {
			continue
		}
		res, err := f.runIn(ctx, spawnRequest{Argv: p.argv, CPU: p.cpu})
		if err != nil {
			return err
		}
		p.samples = append(p.samples, sample{wall: res.Wall, rss: res.HWM, user: res.User, sys: res.Sys})
	}
	return nil
}

// roundOrder alternates within each pair: A B in even rounds, B A in odd
// ones, so neither side always runs on a cache the other warmed.
func roundOrder(n, round int) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	if round%2 == 1 {
		for i := 0; i+1 < n; i += 2 {
			order[i], order[i+1] = order[i+1], order[i]
		}
	}
	return order
}

// stats are a probe's median, min and max wall time, and the medians of
// its CPU time (user+sys), kernel time (sys) and peak RSS.
type stats struct {
	median, min, max     time.Duration
	medianCPU, medianSys time.Duration
	medianRSS            int64 // KiB
}

func summarize(samples []sample) stats {
	if len(samples) == 0 {
		return stats{}
	}
	walls := make([]time.Duration, len(samples))
	cpus := make([]time.Duration, len(samples))
	syss := make([]time.Duration, len(samples))
	rss := make([]int64, len(samples))
	for i, s := range samples {
		walls[i], cpus[i], syss[i], rss[i] = s.wall, s.cpu(), s.sys, s.rss
	}
	slices.Sort(walls)
	slices.Sort(cpus)
	slices.Sort(syss)
	slices.Sort(rss)
	return stats{median: median(walls), min: walls[0], max: walls[len(walls)-1],
		medianCPU: median(cpus), medianSys: median(syss), medianRSS: median(rss)}
}

// median of a sorted slice; the mean of the middle two for even lengths.
func median[T time.Duration | int64](sorted []T) T {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}
