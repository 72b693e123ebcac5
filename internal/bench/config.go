//go:build linux

package main

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// config is the harness's flags.
type config struct {
	rounds, conns, timeWait, udp, holders int
	window, timeout                       time.Duration
	repo                                  string
	// hold keeps the filled namespace for this long instead of timing,
	// for profiling by hand.
	hold time.Duration
	// oneCPU says the timed commands run on CPU cpu alone (-taskset).
	oneCPU bool
	cpu    int
	// pin is the CPU the one-core pair runs on (-pin).
	pin int
	// other is how many ESTABLISHED sockets the second namespace holds;
	// 0 for no second namespace.
	other int
	// growth lists the TCP socket counts of the growth table (-growth);
	// growthRounds is how many timed runs each command gets at each.
	growth       []int
	growthRounds int
	// namespaces, when not 0, is the namespaces mode (-netns): that many
	// namespaces of nsConns connections each (netns.go).
	namespaces, nsConns int
}

// fdLimit is the per-process descriptor limit the fixture is sized for; a
// holder keeps a margin below it for the runtime and TIME_WAIT making.
const fdLimit = 20000

// holderConns is how many connections a holder takes in the growth
// fixtures and the second namespace: 18,000 descriptors, as the default
// fixture's five holders hold.
const holderConns = 9000

func (c config) check() error {
	switch {
	case c.namespaces < 0 || c.namespaces > 1000:
		return fmt.Errorf("-netns %d: want 0 (off) to 1000", c.namespaces)
	case c.namespaces > 0 && (c.nsConns < 1 || c.nsConns > holderConns):
		return fmt.Errorf("-netns-conns %d: want 1 to %d", c.nsConns, holderConns)
	case c.namespaces > maxHolders:
		return fmt.Errorf("-netns %d: the one-namespace side needs a holder per namespace, at most %d", c.namespaces, maxHolders)
	case c.rounds < 0 || c.rounds == 0 && len(c.growth) == 0:
		return fmt.Errorf("-rounds %d: want at least 1 (0 only with -growth, for the growth table alone)", c.rounds)
	case c.holders < 1 || c.holders > maxHolders:
		return fmt.Errorf("-holders %d: want 1 to %d", c.holders, maxHolders)
	case c.conns < 0 || c.timeWait < 0 || c.udp < 0 || c.other < 0:
		return fmt.Errorf("socket counts must not be negative")
	case c.oneCPU && (c.cpu < 0 || c.cpu >= runtime.NumCPU()):
		return fmt.Errorf("-taskset %d: this machine has CPUs 0 to %d", c.cpu, runtime.NumCPU()-1)
	case c.pin < 0 || c.pin >= runtime.NumCPU():
		return fmt.Errorf("-pin %d: this machine has CPUs 0 to %d", c.pin, runtime.NumCPU()-1)
	case c.window <= 0 || c.window > 55*time.Second:
		return fmt.Errorf("-window %v: want more than 0 and at most 55s (TIME_WAIT lasts 60 s)", c.window)
	case len(c.growth) > 0 && c.growthRounds < 1:
		return fmt.Errorf("-growth-rounds %d: want at least 1", c.growthRounds)
	}
	if err := c.checkShape(""); err != nil {
		return err
	}
	if c.other > 0 {
		if err := c.otherShape().checkShape("-other: "); err != nil {
			return err
		}
	}
	for _, n := range c.growth {
		if err := c.growthShape(n).checkShape(fmt.Sprintf("-growth %d: ", n)); err != nil {
			return err
		}
	}
	return nil
}

// checkShape checks what each holder would hold; prefix names the flag
// that made this shape.
func (c config) checkShape(prefix string) error {
	if c.holders < 1 || c.holders > maxHolders {
		return fmt.Errorf("%s%d holders: want 1 to %d", prefix, c.holders, maxHolders)
	}
	if n := c.holderFDs(); n > fdLimit-1000 {
		return fmt.Errorf("%seach holder would need %d descriptors, more than %d: raise -holders", prefix, n, fdLimit-1000)
	}
	// A holder's IPv4 and v4-mapped TIME_WAIT clients share one
	// destination; so do its clients over ::1.
	v6, mapped, v4 := twSplit(share(c.timeWait, c.holders, 0))
	if v4+mapped > twPerDestination || v6 > twPerDestination {
		return fmt.Errorf("%s%d TIME_WAIT sockets: at most %d per holder and destination: raise -holders",
			prefix, c.timeWait, twPerDestination)
	}
	return nil
}

// holderFDs is the most descriptors one holder opens.
func (c config) holderFDs() int {
	return 2*share(c.conns, c.holders, 0) + share(c.udp, c.holders, 0) + 2*halfClosed + 2*twPerHolderWorkers + 5 + 32
}

// share is holder i's part of n split over k holders.
func share(n, k, i int) int {
	s := n / k
	if i < n%k {
		s++
	}
	return s
}

// holdersFor is how many holders conns connections need.
func holdersFor(conns int) int {
	return max(1, (conns+holderConns-1)/holderConns)
}

// otherShape is the second namespace's fixture: other/2 connections,
// nothing else.
func (c config) otherShape() config {
	o := c
	o.conns, o.timeWait, o.udp = c.other/2, 0, 0
	o.holders = holdersFor(o.conns)
	return o
}

// growthShape is the fixture of the growth table's column for total TCP
// sockets: the default fixture's mix scaled, 40 TIME_WAIT sockets to
// every 90 ESTABLISHED ones (so 45,000 connections and 40,000 TIME_WAIT
// at 130,000), holderConns connections per holder, and -udp UDP sockets
// at every size.
func (c config) growthShape(total int) config {
	g := c
	g.timeWait = (total*4 + 6) / 13
	g.conns = (total - g.timeWait) / 2
	g.holders = holdersFor(g.conns)
	return g
}

// parseGrowth reads -growth's list: socket counts, ascending, separated
// by commas, each a number with an optional k (thousands) or M
// (millions): "130000,500000,1000000" or "130k,500k,1M".
func parseGrowth(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		mult := 1
		switch {
		case strings.HasSuffix(f, "k"):
			f, mult = strings.TrimSuffix(f, "k"), 1000
		case strings.HasSuffix(f, "M"):
			f, mult = strings.TrimSuffix(f, "M"), 1000000
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 || n > maxGrowth/mult {
			return nil, fmt.Errorf("%q: want socket counts from 1000 to %d, such as 130000 or 130k, separated by commas", s, maxGrowth)
		}
		n *= mult
		if n < 1000 {
			return nil, fmt.Errorf("%q: %d: want at least 1000 sockets", s, n)
		}
		if len(out) > 0 && n <= out[len(out)-1] {
			return nil, fmt.Errorf("%q: want the counts in ascending order", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// maxGrowth is the largest growth fixture: maxHolders holders of
// holderConns connections, with TIME_WAIT in proportion.
const maxGrowth = 5000000
