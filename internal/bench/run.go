//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// epoch is one batch of TIME_WAIT sockets and the rounds timed against it.
type epoch struct {
	first, rounds int // first round (from 1) and how many
	before, after counts
	// beforeAge and afterAge are the batch's age when the counts were read.
	beforeAge, afterAge time.Duration
}

// runResult is what a run measured, for the report.
type runResult struct {
	probes []*probe
	epochs []*epoch
	// otherBefore and otherAfter count the second namespace before the
	// first round and after the last (growth included); zero without one.
	otherBefore, otherAfter counts
	// hostBefore and hostAfter are the host's socket objects, every
	// namespace's, before the fixture was made and at the end.
	hostBefore, hostAfter slabCounts
	// ehash describes the TCP established hash the namespaces share.
	ehash  string
	growth []*growthColumn
}

func run(ctx context.Context, cfg config, stdout, log io.Writer) (err error) {
	if os.Geteuid() != 0 {
		return errors.New("needs root to create a network namespace: run as root")
	}
	tmp, err := os.MkdirTemp("", "conntab-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	m := machineInfo{loadStart: loadAvg()}
	if l, err := strconv.ParseFloat(m.loadStart, 64); err == nil && l >= 0.5 {
		fmt.Fprintf(log, "warning: load average %s: other work on this machine will show in the figures\n", m.loadStart)
	}
	res := &runResult{hostBefore: readSlabCounts()}
	other, err := startOther(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, other.close()) }()
	if cfg.hold > 0 {
		return hold(ctx, cfg, log)
	}
	var bin string
	res.probes, bin, m.revision = newProbes(ctx, cfg, tmp, log)
	res.ehash = ehashInfo()
	if res.otherBefore, err = other.counts(); err != nil {
		return err
	}
	if cfg.rounds > 0 {
		if res.epochs, err = timeDefault(ctx, cfg, res.probes, log); err != nil {
			return err
		}
	}
	if len(cfg.growth) > 0 {
		if res.growth, err = runGrowth(ctx, cfg, bin, log); err != nil {
			return err
		}
	}
	if res.otherAfter, err = other.counts(); err != nil {
		return err
	}
	res.hostAfter = readSlabCounts()
	m.describe()
	return writeReport(stdout, cfg, m, res)
}

// timeDefault fills the namespace cfg describes and times every probe on
// it, -rounds rounds, alternating within pairs.
func timeDefault(ctx context.Context, cfg config, probes []*probe, log io.Writer) (epochs []*epoch, err error) {
	fmt.Fprintf(log, "filling a namespace: %d connections, %d UDP sockets over %s\n", cfg.conns, cfg.udp, plural(cfg.holders, "holder"))
	f, err := newFixture(ctx, cfg, true, log)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, f.close()) }()
	gnuTime := findGNUTime()
	if gnuTime == "" {
		fmt.Fprintln(log, "no GNU time(1): no peak RSS of the untimed first runs")
	}
	order := func(r int) []int { return roundOrder(nProbes, r) }
	return timeRounds(ctx, cfg, f, probes, cfg.rounds, order, gnuTime)
}

// startOther makes the second namespace, if cfg asks for one: its own
// holders, ESTABLISHED sockets only, alive until it is closed. A nil
// *fixture (none asked for) counts nothing and closes without error.
func startOther(ctx context.Context, cfg config, log io.Writer) (*fixture, error) {
	if cfg.other == 0 {
		return nil, nil
	}
	o := cfg.otherShape()
	fmt.Fprintf(log, "filling a second namespace: %d connections over %s\n", o.conns, plural(o.holders, "holder"))
	return newFixture(ctx, o, false, log)
}

// timeRounds runs every probe once untimed (counting its lines, and under
// gnuTime when there is one) and then rounds timed rounds in order(r),
// against a fresh TIME_WAIT batch, remade before a round that would end
// more than cfg.window after the batch was begun.
func timeRounds(ctx context.Context, cfg config, f *fixture, probes []*probe, rounds int, order func(int) []int, gnuTime string) ([]*epoch, error) {
	var epochs []*epoch
	newEpoch := func(first int) error {
		if err := f.makeTimeWait(ctx, cfg.timeWait); err != nil {
			return err
		}
		e := &epoch{first: first}
		var err error
		if e.before, err = f.counts(); err != nil {
			return err
		}
		e.beforeAge = time.Since(f.twMade)
		fmt.Fprintf(f.log, "batch %d, before timing: %s\n", len(epochs)+1, e.before.summary())
		epochs = append(epochs, e)
		return nil
	}
	endEpoch := func() error {
		e := epochs[len(epochs)-1]
		var err error
		e.after, err = f.counts()
		e.afterAge = time.Since(f.twMade)
		fmt.Fprintf(f.log, "batch %d, after %d rounds, %v after it was begun: %s\n", len(epochs), e.rounds, e.afterAge.Round(time.Second), e.after.summary())
		return err
	}
	if err := newEpoch(1); err != nil {
		return nil, err
	}
	start := time.Now()
	if err := f.warm(ctx, probes, gnuTime); err != nil {
		return nil, err
	}
	// A first estimate of a round: the untimed runs, scaled to the
	// probes of one round (one, in the growth table).
	est := time.Since(start) * time.Duration(len(order(0))) / time.Duration(max(1, measurable(probes)))
	for r := range rounds {
		if time.Since(f.twMade)+est+est/4 > cfg.window {
			if err := endEpoch(); err != nil {
				return nil, err
			}
			if err := newEpoch(r + 1); err != nil {
				return nil, err
			}
			if age := time.Since(f.twMade); age+est+est/4 > cfg.window {
				// A loaded machine: timed anyway; the counts after the
				// round show what expired.
				fmt.Fprintf(f.log, "warning: a round takes about %v and the TIME_WAIT batch is %v old: the round may end after -window %v\n",
					est.Round(time.Second), age.Round(time.Second), cfg.window)
			}
		}
		start := time.Now()
		if err := f.round(ctx, probes, order(r)); err != nil {
			return nil, err
		}
		est = time.Since(start)
		epochs[len(epochs)-1].rounds++
		fmt.Fprintf(f.log, "round %d/%d: %v\n", r+1, rounds, est.Round(time.Millisecond))
	}
	return epochs, endEpoch()
}

// hold fills a namespace and keeps it for cfg.hold, renewing the TIME_WAIT
// batch before it expires, so that commands can be profiled against it:
// nsenter --net=PATH conntab list -a -t.
func hold(ctx context.Context, cfg config, log io.Writer) error {
	f, err := newFixture(ctx, cfg, false, log)
	if err != nil {
		return err
	}
	defer f.close()
	end := time.Now().Add(cfg.hold)
	for time.Now().Before(end) {
		if err := f.makeTimeWait(ctx, cfg.timeWait); err != nil {
			return err
		}
		c, err := f.counts()
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "holding the namespace at %s until %s: %s\n", f.ns.Path(), end.Format(time.TimeOnly), c.summary())
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(cfg.window, time.Until(end))):
		}
		if err := f.dropTimeWait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// measurable counts the probes not skipped.
func measurable(probes []*probe) int {
	n := 0
	for _, p := range probes {
		if p.skip == "" {
			n++
		}
	}
	return n
}
