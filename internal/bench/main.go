//go:build linux

// Command bench times conntab against ss(8) and netstat(8) on a network
// namespace filled with about 132,000 sockets, and prints the figures as
// Markdown for docs/benchmarks.md.
//
// Usage, as root, from the repository root:
//
//	go run ./internal/bench [-rounds 7] [-conns 45000] [-timewait 40000] [-udp 2000]
//	go run ./internal/bench -dashboard 30s
//
// The fixture: 45,000 loopback TCP connections with both ends in the
// namespace (90,000 ESTABLISHED sockets), 40,000 TIME_WAIT sockets and
// 2,000 UDP sockets, half of them connected. The connections' descriptors
// are spread over holder processes (this binary, re-executed inside the
// namespace), since one process may hold only 20,000. TIME_WAIT sockets
// last 60 s, so they are made right before timing and remade (after
// destroying the old ones) when a round would end more than -window after
// they were made.
//
// Every measured command runs directly inside the namespace: it is forked
// from an OS thread that has joined it, so its wall time and peak RSS are
// its own, not nsenter's.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

func main() {
	// Hidden modes of the re-executed binary.
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case holderArg:
			os.Exit(holderMain(os.Args[2:]))
		case spawnArg:
			os.Exit(spawnMain(os.Args[2:]))
		case bareDumpArg:
			os.Exit(bareDumpMain(os.Args[2:]))
		}
	}

	var cfg config
	flag.IntVar(&cfg.rounds, "rounds", 7, "timed runs of each command")
	flag.IntVar(&cfg.conns, "conns", 45000, "loopback TCP connections (two ESTABLISHED sockets each)")
	flag.IntVar(&cfg.timeWait, "timewait", 40000, "TIME_WAIT sockets")
	flag.IntVar(&cfg.udp, "udp", 2000, "UDP sockets, half of them connected")
	flag.IntVar(&cfg.holders, "holders", 5, "holder processes sharing the descriptors")
	flag.DurationVar(&cfg.window, "window", 45*time.Second, "longest time to time against one batch of TIME_WAIT sockets (they last 60 s)")
	flag.DurationVar(&cfg.timeout, "timeout", 20*time.Minute, "give up after this long (default with -growth: 20m and 5m per 100,000 sockets it asks for)")
	flag.IntVar(&cfg.other, "other", 50000, "ESTABLISHED sockets in a second namespace, with holders of its own, alive while the first is timed (0: none)")
	cfg.pin = runtime.NumCPU() - 1
	flag.IntVar(&cfg.pin, "pin", cfg.pin, "the CPU the one-core pair (conntab list -a -t, ss -tan) runs on; -taskset's under -taskset")
	flag.Func("growth", "after the timed rounds, time conntab and ss at each of these TCP socket counts (ascending, such as 130000,500000,1000000 or 130k,500k,1M), each in a fresh namespace", func(s string) error {
		var err error
		cfg.growth, err = parseGrowth(s)
		return err
	})
	flag.IntVar(&cfg.growthRounds, "growth-rounds", 5, "with -growth: timed runs of each command at each count")
	flag.DurationVar(&cfg.hold, "hold", 0, "fill the namespace, print its path and keep it this long (TIME_WAIT renewed) instead of timing")
	var dash dashOptions
	flag.DurationVar(&dash.window, "dashboard", 0, "instead of timing listings, run conntab top -i 1s in tmux on the fixture and sample its CPU and RSS for this long")
	flag.StringVar(&dash.samples, "samples", "", "with -dashboard: also write every sample to this file (CSV)")
	flag.Func("taskset", "run the timed commands on this one CPU only, as taskset -c N would (default: on all)", func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%q: want a CPU number", s)
		}
		cfg.oneCPU, cfg.cpu = true, n
		return nil
	})
	flag.IntVar(&cfg.namespaces, "netns", 0, "instead of the fixture: time reading this many namespaces at once (list -a -N all) against a loop of ss -tan -N, and against the same sockets in one namespace")
	flag.IntVar(&cfg.nsConns, "netns-conns", 637, "with -netns: connections each namespace's holder makes (two sockets each, and its listeners and half-closed ones: 1,300 TCP sockets for 637)")
	flag.StringVar(&cfg.repo, "repo", "", "conntab's module root to build (default: found with go env GOMOD)")
	flag.Parse()
	if cfg.oneCPU {
		cfg.pin = cfg.cpu
	}
	if !flagSet("timeout") {
		cfg.timeout = defaultTimeout(cfg.growth)
	}
	if flag.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "bench: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	if err := cfg.check(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	var err error
	switch {
	case cfg.namespaces > 0:
		err = runNetNS(ctx, cfg, os.Stdout, os.Stderr)
	case dash.window > 0:
		err = measureDashboard(ctx, cfg, dash, os.Stdout, os.Stderr)
	default:
		err = run(ctx, cfg, os.Stdout, os.Stderr)
	}
	cancel()
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// flagSet says whether the command line set the flag name.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// defaultTimeout is 20 minutes, and 5 more per 100,000 sockets the
// growth sizes ask for.
func defaultTimeout(growth []int) time.Duration {
	d := 20 * time.Minute
	for _, n := range growth {
		d += time.Duration(n) * 3 * time.Millisecond
	}
	return d
}
