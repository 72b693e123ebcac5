//go:build linux

package main

import (
	"fmt"
	"runtime"
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
}

// fdLimit is the per-process descriptor limit the fixture is sized for; a
// holder keeps a margin below it for the runtime and TIME_WAIT making.
const fdLimit = 20000

func (c config) check() error {
	switch {
	case c.rounds < 1:
		return fmt.Errorf("-rounds %d: want at least 1", c.rounds)
	case c.holders < 1 || c.holders > maxHolders:
		return fmt.Errorf("-holders %d: want 1 to %d", c.holders, maxHolders)
	case c.conns < 0 || c.timeWait < 0 || c.udp < 0:
		return fmt.Errorf("socket counts must not be negative")
	case c.oneCPU && (c.cpu < 0 || c.cpu >= runtime.NumCPU()):
		return fmt.Errorf("-taskset %d: this machine has CPUs 0 to %d", c.cpu, runtime.NumCPU()-1)
	case c.pin < 0 || c.pin >= runtime.NumCPU():
		return fmt.Errorf("-pin %d: this machine has CPUs 0 to %d", c.pin, runtime.NumCPU()-1)
	case c.window <= 0 || c.window > 55*time.Second:
		return fmt.Errorf("-window %v: want more than 0 and at most 55s (TIME_WAIT lasts 60 s)", c.window)
	}
	if n := c.holderFDs(); n > fdLimit-1000 {
		return fmt.Errorf("each holder would need %d descriptors, more than %d: raise -holders", n, fdLimit-1000)
	}
	// A holder's IPv4 and v4-mapped TIME_WAIT clients share one
	// destination; so do its clients over ::1.
	v6, mapped, v4 := twSplit(share(c.timeWait, c.holders, 0))
	if v4+mapped > twPerDestination || v6 > twPerDestination {
		return fmt.Errorf("-timewait %d: at most %d per holder and destination: raise -holders", c.timeWait, twPerDestination)
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
