//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Probe indexes: pairs first (A, B), each pair alternated by roundOrder.
const (
	pConntab = iota
	pSS
	pConntabProc
	pNetstat
	pConntabListen
	pSSListen
	pConntabProcs
	pSSProcs
	pConntabPorts
	pConntabBeside // conntab list -a -t again, timed beside conntab ports
	pConntabServe  // conntab serve --once: one scrape's work, and a process start
	pServeBeside   // conntab list -a -t again, timed beside conntab serve --once
	pBare
	pCat
	pTrue
	nProbes
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
	probes, rev := newProbes(ctx, cfg, tmp, log)

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
		fmt.Fprintln(log, "no GNU time(1): peak RSS comes from the timed runs only")
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

// newProbes builds conntab and lists the commands to time; a command that
// cannot run is kept with the reason it is skipped. rev names the conntab
// that was built.
func newProbes(ctx context.Context, cfg config, tmp string, log io.Writer) (p []*probe, rev string) {
	p = make([]*probe, nProbes)
	bin := filepath.Join(tmp, "conntab")
	p[pConntab] = &probe{name: "conntab list -a -t", argv: []string{bin, "list", "-a", "-t"}}
	p[pSS] = &probe{name: "ss -tan", argv: []string{"ss", "-tan"}}
	p[pConntabProc] = &probe{name: "conntab list -a -t --source proc", argv: []string{bin, "list", "-a", "-t", "--source", "proc"}}
	p[pNetstat] = &probe{name: "netstat -tan", argv: []string{"netstat", "-tan"}}
	// A state filter is handed to the kernel: only the listeners are read.
	p[pConntabListen] = &probe{name: "conntab list -t state listening", argv: []string{bin, "list", "-t", "state", "listening"}}
	p[pSSListen] = &probe{name: "ss -tan state listening", argv: []string{"ss", "-tan", "state", "listening"}}
	// Process attribution: the holders own the 90k ESTABLISHED sockets.
	p[pConntabProcs] = &probe{name: "conntab list -a -t -p", argv: []string{bin, "list", "-a", "-t", "-p"}}
	p[pSSProcs] = &probe{name: "ss -tanp", argv: []string{"ss", "-tanp"}}
	// The ports report reads TCP sockets and the settings and counters.
	p[pConntabPorts] = &probe{name: "conntab ports", argv: []string{bin, "ports"}}
	p[pConntabBeside] = &probe{name: "conntab list -a -t (beside ports)", argv: []string{bin, "list", "-a", "-t"}}
	// One scrape of the exporter: the snapshot, the index of pools and the
	// exposition, in a process of its own (a running exporter pays no
	// process start, so this is the dearer side).
	p[pConntabServe] = &probe{name: "conntab serve --once", argv: []string{bin, "serve", "--once"}}
	p[pServeBeside] = &probe{name: "conntab list -a -t (beside serve)", argv: []string{bin, "list", "-a", "-t"}}
	self, _ := os.Executable()
	p[pBare] = &probe{name: "bare inet_diag dump (32 KiB buffer)", argv: []string{self, bareDumpArg}}
	p[pCat] = &probe{name: "cat /proc/net/tcp /proc/net/tcp6", argv: []string{"cat", "/proc/net/tcp", "/proc/net/tcp6"}}
	// The cost of starting any process, and the floor of ru_maxrss (see
	// spawnArg).
	p[pTrue] = &probe{name: "true", argv: []string{"true"}}

	rev, err := buildConntab(ctx, cfg.repo, bin)
	if err != nil {
		fmt.Fprintf(log, "skipping conntab: %v\n", err)
		p[pConntab].skip = "conntab does not build: " + oneLine(err)
		p[pConntabProc].skip = p[pConntab].skip
		p[pConntabListen].skip = p[pConntab].skip
		p[pConntabProcs].skip = p[pConntab].skip
		p[pConntabPorts].skip = p[pConntab].skip
		p[pConntabBeside].skip = p[pConntab].skip
		p[pConntabServe].skip = p[pConntab].skip
		p[pServeBeside].skip = p[pConntab].skip
	}
	for _, q := range p {
		if q.skip != "" || filepath.IsAbs(q.argv[0]) {
			continue
		}
		path, err := exec.LookPath(q.argv[0])
		if err != nil {
			q.skip = oneLine(err)
			continue
		}
		q.argv[0] = path
	}
	return p, rev
}

// buildConntab builds the module at repo (or the one the working directory
// is in) into bin, and names the revision it built: git describe's, with
// "-dirty" for uncommitted changes, or the directory outside git.
func buildConntab(ctx context.Context, repo, bin string) (rev string, err error) {
	if repo == "" {
		out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
		if err != nil {
			return "", fmt.Errorf("go env GOMOD: %w", err)
		}
		mod := strings.TrimSpace(string(out))
		if mod == "" || mod == os.DevNull {
			return "", errors.New("not inside a Go module: run from conntab's repository or pass -repo")
		}
		repo = filepath.Dir(mod)
	}
	rev = repo
	if out, err := exec.CommandContext(ctx, "git", "-C", repo, "describe", "--always", "--dirty").Output(); err == nil {
		rev = strings.TrimSpace(string(out))
	}
	// Built as a release is: static, without cgo, which net (imported by
	// netlink and procfs) would otherwise link, and with it the dynamic
	// loader and libc at every start.
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			if j := strings.IndexByte(msg[i+1:], '\n'); j >= 0 {
				msg = msg[:i+1+j] // two lines are enough
			}
		}
		return rev, fmt.Errorf("go build: %w: %s", err, msg)
	}
	return rev, nil
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
