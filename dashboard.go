package main

import (
	"context"
	"fmt"
	"io"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/filter"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/tui"
)

// dashboardMemoryLimit is the dashboard's soft memory limit to start with
// (tui.Config.MemoryLimit).
const dashboardMemoryLimit = 170 << 20

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

// runDashboard is `conntab top`. What can be found wrong is found before
// the terminal is asked for: the flags, the filter, the rules, and a
// namespace that cannot be entered (issue 15: not a blank screen).
func runDashboard(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := cli.DefaultTopOptions()
	rest, err := parseArgs(args, o.Flags())
	if err != nil || o.Help {
		return helpOr(err, stdout, cli.TopUsage, o.Flags)
	}
	f, err := parseFilter(o.FilterFile, rest)
	if err != nil {
		return err
	}
	if f.Expr == nil && !f.HasStates {
		f = nil
	}
	cfg, err := dashboardConfig(ctx, &o, f, stderr)
	if err != nil {
		return err
	}
	if !isTerminal() {
		return usagef("the dashboard needs a terminal; use conntab list for a pipe")
	}
	if os.Getenv("GOMEMLIMIT") == "" { // the user's limit stands
		cfg.MemoryLimit = dashboardMemoryLimit
	}
	stopProfiles, err := cli.StartProfiles(o.CPUProfile, o.MemProfile)
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

// dashboardConfig wires the collector into the dashboard's configuration:
// the rules file read, and the namespace -N names checked (checkNetNS).
func dashboardConfig(ctx context.Context, o *cli.TopOptions, f *filter.Filter, stderr io.Writer) (tui.Config, error) {
	rules, err := loadRules(o.RulesFile)
	if err != nil {
		return tui.Config{}, err
	}
	cfg, err := readConfig(o.Source, o.NetNS)
	if err != nil {
		return tui.Config{}, err
	}
	// A fallback to /proc shows in the header as the source.
	// Bound-only sockets are few and slow to read (a walk of the whole
	// bind table): every tenth sample reads them.
	cfg.Processes, cfg.Remember, cfg.BoundEvery, cfg.Settings = !o.NoProcesses, !o.NoProcesses, 10, true
	c := collect.New(cfg)
	if err := checkNetNS(ctx, c, o.NetNS); err != nil {
		return tui.Config{}, err
	}
	services, users := loadNames(stderr)
	// A service name the table lacks is the filter's mistake, said now
	// as the listing says it, not inside the dashboard.
	if f != nil {
		if _, err := f.Compile(&names.Labeler{Services: services}); err != nil {
			return tui.Config{}, filterError(o.FilterFile, err)
		}
	}
	host, _ := os.Hostname()
	ns := ""
	if o.NetNS != "" {
		ns = "netns " + o.NetNS
	}
	var resolver *names.Resolver // -r; nil: numbers only
	if o.Resolve {
		resolver = new(names.Resolver)
	}
	return tui.Config{
		Resolver:   resolver,
		Collect:    c.Collect,
		TCPInfo:    c.TCPInfo,
		Destroy:    c.Destroy,
		Process:    func(pid int32) (model.ProcessDetail, error) { return collect.ReadProcessDetail("", pid) },
		Labeler:    render.Labeler{Labeler: names.Labeler{Services: services, UserName: users.Name}},
		Interval:   o.Interval,
		Host:       host,
		NetNS:      ns,
		Root:       os.Geteuid() == 0,
		Filter:     f,
		Rules:      rules,
		Thresholds: o.Thresholds,
	}, nil
}
