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
	if cfg.hold > 0 {
		return hold(ctx, cfg, log)
	}
	probes, _, rev := newProbes(ctx, cfg, tmp, log)

	fmt.Fprintf(log, "filling a namespace: %d connections, %d UDP sockets over %d holders\n", cfg.conns, cfg.udp, cfg.holders)
	f, err := newFixture(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.close(); cerr != nil && err == nil {
			err = cerr
		}
	}()

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
		fmt.Fprintf(log, "batch %d, before timing: %s\n", len(epochs)+1, e.before.summary())
		epochs = append(epochs, e)
		return nil
	}
	endEpoch := func() error {
		e := epochs[len(epochs)-1]
		var err error
		e.after, err = f.counts()
		e.afterAge = time.Since(f.twMade)
		fmt.Fprintf(log, "batch %d, after %d rounds, %v after it was made: %s\n", len(epochs), e.rounds, e.afterAge.Round(time.Second), e.after.summary())
		return err
	}

	if err := newEpoch(1); err != nil {
		return err
	}
	start := time.Now()
	gnuTime := findGNUTime()
	if gnuTime == "" {
		fmt.Fprintln(log, "no GNU time(1): no peak RSS of the untimed first runs")
	}
	if err := f.warm(ctx, probes, gnuTime); err != nil {
		return err
	}
	est := time.Since(start)
	for r := range cfg.rounds {
		if time.Since(f.twMade)+est+est/4 > cfg.window {
			if err := endEpoch(); err != nil {
				return err
			}
			if err := newEpoch(r + 1); err != nil {
				return err
			}
		}
		start := time.Now()
		if err := f.round(ctx, probes, roundOrder(nProbes, r)); err != nil {
			return err
		}
		est = time.Since(start)
		epochs[len(epochs)-1].rounds++
		fmt.Fprintf(log, "round %d/%d: %v\n", r+1, cfg.rounds, est.Round(time.Millisecond))
	}
	if err := endEpoch(); err != nil {
		return err
	}
	m.describe()
	m.revision = rev
	return writeReport(stdout, cfg, m, probes, epochs)
}

// hold fills a namespace and keeps it for cfg.hold, renewing the TIME_WAIT
// batch before it expires, so that commands can be profiled against it:
// nsenter --net=PATH conntab list -a -t.
func hold(ctx context.Context, cfg config, log io.Writer) error {
	f, err := newFixture(ctx, cfg, log)
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
