package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/pflag"

	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/filter"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/tui"
)

// dashboardMemoryLimit is the dashboard's soft memory limit (see
// runtime/debug.SetMemoryLimit).
const dashboardMemoryLimit = 170 << 20

// dashboardOptions are the flags of `conntab top`.
type dashboardOptions struct {
	interval    time.Duration
	mode        collect.Mode
	netns       string
	noProcesses bool
	filterFile  string
	// rulesFile is --rules; rules are conntab's audit rules extended by
	// it, loaded before the terminal is asked for, nil without it.
	rulesFile string
	rules     *audit.AuditRules
	help      bool
	// cpuProfile and memProfile name files for pprof profiles of the
	// whole session, for measuring the dashboard (docs/benchmarks.md).
	cpuProfile, memProfile string
}

func (o *dashboardOptions) flags() *pflag.FlagSet {
	fs := cli.NewFlags("top")
	cli.Arg(fs, "interval", "i", "DURATION", "time from one sample's end to the next one's start, as top and watch count it (default 1s; at least 100ms)",
		func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 100*time.Millisecond {
				return fmt.Errorf("%q: want a duration of at least 100ms, such as 1s or 500ms", v)
			}
			o.interval = d
			return nil
		})
	sourceFlag(fs, &o.mode, "where sockets are read from (default auto: netlink, else /proc)")
	netnsFlag(fs, &o.netns, "watch the network namespace NAME (/run/netns/NAME) or at PATH; needs root")
	fs.BoolVarP(&o.noProcesses, "no-processes", "P", false, "do not name the processes holding sockets (saves the /proc walk)")
	fileFlag(fs, &o.filterFile, "filter", "F", "FILE", "read the starting filter from FILE instead of the arguments")
	fileFlag(fs, &o.rulesFile, "rules", "", "FILE", "extend the listener audit's rules with FILE (format: audit/audit.txt, docs/listeners.md)")
	fileFlag(fs, &o.cpuProfile, "cpuprofile", "", "FILE", "write a CPU profile of the session to FILE (go tool pprof)")
	fileFlag(fs, &o.memProfile, "memprofile", "", "FILE", "write a heap profile to FILE when the dashboard quits")
	helpFlag(fs, &o.help)
	return fs
}

const dashboardUsage = `Usage: conntab top [flags] [FILTER...]

The live dashboard: every socket grouped by state, remote endpoints with
TIME_WAIT buildup flagged, listeners with the audit's findings (conntab
listeners), processes, ephemeral ports. It needs a terminal; press ? in it
for its keys. FILTER (docs/filter.md) is the filter it starts with;
/ changes it. conntab with no arguments opens it too, on a terminal.

Flags:
`

// isTerminal reports whether both ends of the dashboard are a terminal.
func isTerminal() bool {
	return term.IsTerminal(os.Stdin.Fd()) && term.IsTerminal(os.Stdout.Fd())
}

// runDefault is conntab with no arguments: the dashboard on a terminal,
// else the listing, said on stderr so a pipe's reader is not surprised.
func runDefault(ctx context.Context, stdout, stderr io.Writer) error {
	if isTerminal() {
		return runDashboard(ctx, nil, stdout, stderr)
	}
	fmt.Fprintln(stderr, "conntab: not a terminal, so printing the listing (conntab list) instead of opening the dashboard")
	return runList(ctx, nil, stdout, stderr)
}

// runDashboard is `conntab top`.
func runDashboard(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := dashboardOptions{interval: time.Second}
	rest, err := parseArgs(args, o.flags())
	if err != nil {
		return err
	}
	if o.help {
		return printHelp(stdout, dashboardUsage, o.flags())
	}
	lo := listOptions{filterFile: o.filterFile}
	expr, err := lo.filterText(rest)
	if err != nil {
		return err
	}
	f, err := filter.Parse(expr)
	if err != nil {
		return &usageError{Msg: err.Error(), Err: err}
	}
	if f.Expr == nil && !f.HasStates {
		f = nil
	}
	if err := o.loadRules(); err != nil {
		return err
	}
	if !isTerminal() {
		return usagef("the dashboard needs a terminal; use conntab list for a pipe")
	}
	cfg, err := dashboardConfig(ctx, &o, f, stderr)
	if err != nil {
		return err
	}
	// A sample of 130k sockets allocates tens of megabytes that the next
	// sample makes garbage; with Go's default pacing the heap grows to
	// twice what is live. A soft limit makes the collector work a little
	// harder instead, unless the user set one (GOMEMLIMIT).
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(dashboardMemoryLimit)
	}
	stopProfiles, err := startProfiles(o.cpuProfile, o.memProfile)
	if err != nil {
		return err
	}
	defer stopProfiles()
	p := tea.NewProgram(tui.New(ctx, cfg), tea.WithContext(ctx), tea.WithOutput(stdout))
	_, err = p.Run()
	if err != nil && ctx.Err() != nil {
		return nil // interrupted: a normal way out
	}
	return err
}

// loadNames loads the service table (/etc/services over the built-in one)
// and the user names (/etc/passwd); a broken file costs names, said on
// stderr, not the command.
func loadNames(stderr io.Writer) (*names.Services, *names.Users) {
	return names.HostServices(names.ServicesFile, warner(stderr)), names.HostUsers(names.PasswdFile, warner(stderr))
}

// dashboardConfig wires the collector into the dashboard's configuration.
func dashboardConfig(ctx context.Context, o *dashboardOptions, f *filter.Filter, stderr io.Writer) (tui.Config, error) {
	netns, err := netnsFile(o.netns)
	if err != nil {
		return tui.Config{}, err
	}
	services, users := loadNames(stderr)
	// A fallback to /proc shows in the header as the source.
	// Bound-only sockets are few and slow to read (a walk of the whole
	// bind table): every tenth sample reads them.
	c := collect.New(collect.Config{
		Mode: o.mode, NetNS: netns,
		Processes: !o.noProcesses, Remember: !o.noProcesses,
		BoundEvery: 10, Settings: true,
	})
	host, _ := os.Hostname()
	ns := ""
	if o.netns != "" {
		ns = "netns " + o.netns
	}
	return tui.Config{
		Collect:  c.Collect,
		TCPInfo:  c.TCPInfo,
		Process:  func(pid int32) (model.ProcessDetail, error) { return collect.ReadProcessDetail("", pid) },
		Labeler:  render.Labeler{Labeler: names.Labeler{Services: services, UserName: users.Name}},
		Interval: o.interval,
		Host:     host,
		NetNS:    ns,
		Filter:   f,
		Rules:    o.rules,
	}, nil
}

// loadRules reads --rules FILE over conntab's own rules. A bad file is a
// mistake in how conntab was called, as a bad filter is: the error quotes
// each bad line, and matches model.ErrAuditSyntax or os.ErrNotExist.
func (o *dashboardOptions) loadRules() error {
	if o.rulesFile == "" {
		return nil
	}
	rules, err := audit.LoadAuditRules(o.rulesFile)
	if err != nil {
		return &usageError{Msg: "--rules: " + err.Error(), Err: err}
	}
	o.rules = rules
	return nil
}

// startProfiles starts a CPU profile into cpu and returns what stops it
// and writes a heap profile into mem; "" skips either.
func startProfiles(cpu, mem string) (stop func(), err error) {
	var cpuFile *os.File
	if cpu != "" {
		if cpuFile, err = os.Create(cpu); err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(cpuFile); err != nil {
			cpuFile.Close()
			return nil, err
		}
	}
	return func() {
		if cpuFile != nil {
			pprof.StopCPUProfile()
			cpuFile.Close()
		}
		if mem != "" {
			if f, err := os.Create(mem); err == nil {
				runtime.GC()
				pprof.WriteHeapProfile(f)
				f.Close()
			}
		}
	}, nil
}
