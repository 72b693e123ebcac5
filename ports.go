package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/sample"
)

// portsOptions are the flags of `conntab ports`.
type portsOptions struct {
	mode collect.Mode
	// netns is what -N named, as given; netnsPath makes it a file.
	netns    string
	json     bool
	check    bool
	interval time.Duration
	top      int
	help     bool
}

// minPortsInterval is the shortest -i: closer samples give no rates
// (model.Thresholds.MinInterval).
const minPortsInterval = 500 * time.Millisecond

func (o *portsOptions) flags() []option {
	on := func(b *bool) func() { return func() { *b = true } }
	return []option{
		{short: 'N', long: "netns", arg: "NAME|PATH", help: "read the network namespace NAME (/run/netns/NAME) or at PATH; needs root",
			value: func(v string) error { o.netns = v; return nil }},
		{long: "source", arg: "auto|netlink|proc", help: "where sockets are read from (default auto: netlink, else /proc; /proc cannot see accept queues' backlogs)",
			value: func(v string) (err error) { o.mode, err = collect.ParseMode(v); return err }},
		{short: 'i', long: "interval", arg: "DURATION", help: "take a second sample DURATION after the first: rates, counters' growth and time to exhaustion from the two (at least 500ms)",
			value: func(v string) error {
				d, err := time.ParseDuration(v)
				if err != nil || d < minPortsInterval {
					return fmt.Errorf("%q: want a duration of at least %v, such as 5s", v, minPortsInterval)
				}
				o.interval = d
				return nil
			}},
		{long: "top", arg: "N", help: "show the N most severe, then fullest, pools (default 20; --json lists every pool)",
			value: func(v string) error {
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 {
					return fmt.Errorf("%q: want a whole number of pools, 1 or more", v)
				}
				o.top = n
				return nil
			}},
		{long: "json", set: on(&o.json), help: "one JSON document instead of the text (docs/json.md)"},
		{long: "check", set: on(&o.check), help: "exit 3 when the worst finding is a warning, 4 when it is critical (0 otherwise)"},
		{short: 'h', long: "help", set: on(&o.help), help: "this help"},
	}
}

const portsUsage = `Usage: conntab ports [flags]

Why connect() fails with EADDRNOTAVAIL, or soon will. connect() picks a
local port per (local address, remote address, remote port): each such pool
has U ports, the ephemeral range less the reserved ones and those a bind()
holds. The report shows every pool with what holds its ports, how fast
connections turn over and how fast they can; the sysctls and counters that
bear on them; sockets bound before connect(), ports held inside the range,
full accept queues; and findings, each with what to change, what that fixes
and what it does not (docs/exhaustion.md). Only TCP is read.

With --check the exit status says the worst finding: 0 none or notice, 3
warn, 4 critical; 1 when the kernel could not be read in full, 2 for a bad
command line.

Flags:
`

// runPorts is `conntab ports`.
func runPorts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := portsOptions{top: 20}
	rest, err := parseArgs(args, o.flags())
	if err != nil {
		return err
	}
	if o.help {
		return printHelp(stdout, portsUsage, o.flags())
	}
	if len(rest) > 0 {
		return usagef("conntab ports takes no arguments, only flags: %q", strings.Join(rest, " "))
	}
	cfg := collect.Config{
		Mode: o.mode, Settings: true,
		// The pools are TCP's alone; UDP would only cost time.
		Protos: []model.Proto{model.ProtoTCP},
		Notify: func(msg string) { fmt.Fprintln(stderr, msg) },
	}
	if cfg.NetNS, err = netnsFile(o.netns); err != nil {
		return err
	}
	th := analyze.DefaultThresholds()
	r, snap, dt, collectErr := collectPorts(ctx, collect.New(cfg), o.interval, th)
	if r == nil {
		return collectErr
	}

	err = writeReport(stdout, "report", func(w *bufio.Writer) error {
		if o.json {
			return render.PortsDocument(w, r)
		}
		render.PortsText(w, r, render.PortsTextOptions{
			NetNS: o.netns, Source: snap.Source, Samples: dt,
			Top: o.top, Width: textWidth(stdout), Thresholds: th,
		})
		return nil
	})
	return ending(err, collectErr, o.check, func() error { return portsVerdict(r) })
}

// collectPorts reads one sample, or two interval apart, and reports on
// the last; dt is the time between the two samples' starts, 0 for one. A
// reading that failed part way still gives a report, with its error; r
// is nil only when there is nothing to report on.
func collectPorts(ctx context.Context, c *collect.Collector, interval time.Duration, th analyze.Thresholds) (r *analyze.PortsReport, snap *model.Snapshot, dt time.Duration, err error) {
	// The first of two samples keeps its pools (Dests): the second's
	// rates and growths are taken against them.
	cfg := sample.Config{Collect: c.Collect, Thresholds: th, Dests: true, Ports: interval <= 0}
	s, err := sample.Take(ctx, &cfg, nil)
	if s == nil {
		return nil, nil, 0, err
	}
	if interval > 0 {
		t := time.NewTimer(interval)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return nil, nil, 0, fmt.Errorf("interrupted before the second sample: %w", ctx.Err())
		case <-t.C:
		}
		cfg.Ports = true
		next, err2 := sample.Take(ctx, &cfg, s)
		if next == nil {
			return nil, nil, 0, errors.Join(err, err2)
		}
		s, err = next, errors.Join(err, err2)
	}
	n := s.Net()
	return n.Ports, n.Snap, n.DT, err
}

// checkFailed is --check's verdict on a report whose worst finding is a
// warning (exit status 3) or critical (4). main says it in one line,
// "conntab: ports: warn".
type checkFailed struct {
	command  string // ports, listeners
	severity analyze.Severity
}

func (e *checkFailed) Error() string { return e.command + ": " + e.severity.String() }

// status is the exit status the verdict gives.
func (e *checkFailed) status() int {
	if e.severity >= analyze.SeverityCritical {
		return 4
	}
	return 3
}

// verdict is --check's verdict on a report of command whose worst
// finding is sev: nil for a notice or less.
func verdict(command string, sev analyze.Severity) error {
	if sev >= analyze.SeverityWarn {
		return &checkFailed{command: command, severity: sev}
	}
	return nil
}

// portsVerdict is --check's verdict on r.
func portsVerdict(r *analyze.PortsReport) error { return verdict("ports", r.Severity()) }
