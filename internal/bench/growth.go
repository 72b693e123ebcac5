//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// The growth mode (-growth) builds, for each TCP socket count it is
// given, a fresh namespace of that many (growthShape), and times the
// commands whose cost grows with the table, and one sample of the
// dashboard; the report has a column per count.

// Growth probe indexes.
const (
	gList = iota
	gPorts
	gServe
	gSS
	gBare
	nGrowthProbes
)

// growthColumn is what one size measured.
type growthColumn struct {
	size  int    // TCP sockets asked for
	shape config // the fixture that makes them
	// counts is the fixture before the first round; epochs are the
	// TIME_WAIT batches the rounds ran against.
	counts counts
	epochs []*epoch
	probes []*probe
	dash   dashCost
	// built is how long the ESTABLISHED sockets took to make, twTook
	// the first TIME_WAIT batch.
	built, twTook time.Duration
	// memUsed is the host's MemTotal - MemAvailable once the first batch
	// was made, in KiB; hostFDs its processes and descriptors then.
	memUsed int64
	hostFDs hostFDs
}

// growthProbes are the commands timed at each size.
func growthProbes(bin string) []*probe {
	p := make([]*probe, nGrowthProbes)
	p[gList] = &probe{name: "conntab list -a -t", argv: []string{bin, "list", "-a", "-t"}}
	p[gPorts] = &probe{name: "conntab ports", argv: []string{bin, "ports"}}
	// serve gives up on a snapshot after --timeout, 8 s by default, which
	// a loaded machine can take at a million sockets.
	p[gServe] = &probe{name: "conntab serve --once --timeout 2m", argv: []string{bin, "serve", "--once", "--timeout", "2m"}}
	p[gSS] = &probe{name: "ss -tan", argv: []string{"ss", "-tan"}}
	// The kernel's part, the floor of every sock_diag reader at that
	// size: conntab's one walk of both families, its replies discarded.
	self, _ := os.Executable()
	p[gBare] = &probe{name: "bare inet_diag dump, one walk", argv: []string{self, bareDumpArg, oneWalkArg}}
	resolve(p)
	return p
}

// rotateOrder is round r's order of n probes: each starts a round in
// turn, so none always runs on a cache another warmed.
func rotateOrder(n, r int) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = (r + i) % n
	}
	return order
}

// runGrowth measures every size of cfg.growth in turn, each in a
// namespace of its own, closed before the next is made.
func runGrowth(ctx context.Context, cfg config, bin string, log io.Writer) ([]*growthColumn, error) {
	var cols []*growthColumn
	for _, n := range cfg.growth {
		start := time.Now()
		col, err := growthSize(ctx, cfg, n, bin, log)
		if err != nil {
			return nil, fmt.Errorf("growth, %d sockets: %w", n, err)
		}
		fmt.Fprintf(log, "growth, %d sockets: done in %v\n", n, time.Since(start).Round(time.Second))
		cols = append(cols, col)
	}
	return cols, nil
}

func growthSize(ctx context.Context, cfg config, n int, bin string, log io.Writer) (col *growthColumn, err error) {
	g := cfg.growthShape(n)
	col = &growthColumn{size: n, shape: g, probes: growthProbes(bin)}
	fmt.Fprintf(log, "growth, %d sockets: %d connections, %d TIME_WAIT, %d UDP over %s\n",
		n, g.conns, g.timeWait, g.udp, plural(g.holders, "holder"))
	f, err := newFixture(ctx, g, true, log)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := f.close(); err == nil {
			err = cerr
		}
	}()
	col.built = f.built
	// One command a "round", so that a TIME_WAIT batch, which takes long
	// to make at these sizes, is remade before any run that would not end
	// within -window, not only between rounds of all four.
	order := func(r int) []int {
		return rotateOrder(nGrowthProbes, r/nGrowthProbes)[r%nGrowthProbes : r%nGrowthProbes+1]
	}
	// The batch timeRounds makes first is the one counted and sized.
	col.epochs, err = timeRounds(ctx, g, f, col.probes, cfg.growthRounds*nGrowthProbes, order, "")
	if err != nil {
		return nil, err
	}
	col.counts, col.twTook = col.epochs[0].before, f.firstTWTook
	col.memUsed, col.hostFDs = f.peakMem, f.peakFDs
	col.dash = measureDashSample(ctx, g, f, bin, log)
	return col, nil
}

// memUsed is MemTotal - MemAvailable from /proc/meminfo, in KiB; 0 when
// it cannot be read.
func memUsed() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	return parseMemUsed(string(b))
}

// parseMemUsed reads MemTotal and MemAvailable ("MemTotal: 24683548 kB")
// and returns their difference; 0 without both.
func parseMemUsed(meminfo string) int64 {
	var total, avail int64 = -1, -1
	for _, line := range strings.Split(meminfo, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		num, unit, _ := strings.Cut(strings.TrimSpace(v), " ")
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || unit != "kB" || n < 0 {
			continue
		}
		switch k {
		case "MemTotal":
			total = n
		case "MemAvailable":
			avail = n
		}
	}
	if total < 0 || avail < 0 || avail > total {
		return 0
	}
	return total - avail
}
