package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/cli"
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

func (o *portsOptions) flags() *pflag.FlagSet {
	fs := cli.NewFlags("ports")
	netnsFlag(fs, &o.netns, "read the network namespace NAME (/run/netns/NAME) or at PATH; needs root")
	sourceFlag(fs, &o.mode, "where sockets are read from (default auto: netlink, else /proc; /proc cannot see accept queues' backlogs)")
	cli.Arg(fs, "interval", "i", "DURATION", "take a second sample DURATION after the first: rates, counters' growth and time to exhaustion from the two (at least 500ms)",
		func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < minPortsInterval {
				return fmt.Errorf("%q: want a duration of at least %v, such as 5s", v, minPortsInterval)
			}
			o.interval = d
			return nil
		})
	cli.Arg(fs, "top", "", "N", "show the N most severe, then fullest, pools (default 20; --json lists every pool)",
		func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("%q: want a whole number of pools, 1 or more", v)
			}
			o.top = n
			return nil
		})
	fs.BoolVar(&o.json, "json", false, "one JSON document instead of the text (docs/json.md)")
	fs.BoolVar(&o.check, "check", false, "exit 3 when the worst finding is a warning, 4 when it is critical (0 otherwise)")
	helpFlag(fs, &o.help)
	return fs
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
	s, collectErr := sample.TakeAfter(ctx, &sample.Config{Collect: collect.New(cfg).Collect, Thresholds: th, Ports: true}, o.interval)
	if s == nil {
		return collectErr
	}
	r := s.Net().Ports

	err = writeReport(stdout, "report", func(w *bufio.Writer) error {
		if o.json {
			return render.PortsDocument(w, r)
		}
		render.PortsText(w, r, render.PortsTextOptions{
			NetNS: o.netns, Source: s.Net().Snap.Source, Samples: s.Net().DT,
			Top: o.top, Width: textWidth(stdout), Thresholds: th,
		})
		return nil
	})
	return ending(err, collectErr, o.check, func() error { return portsVerdict(r) })
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
