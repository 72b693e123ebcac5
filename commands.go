package main

import (
	"context"
	"io"

	"github.com/spf13/pflag"

	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/collect"
)

// errUsage marks errors in how conntab was called (exit status 2).
var errUsage = cli.ErrUsage

// usageError is an error in the command line; it exits with status 2.
type usageError = cli.UsageError

func usagef(format string, args ...any) error { return cli.Usagef(format, args...) }

// parseArgs applies args to fs and returns the arguments that are not
// flags, as ss parses them (cli.Parse); a flag of ss or netstat that
// conntab lacks says what to use instead.
func parseArgs(args []string, fs *pflag.FlagSet) ([]string, error) {
	return cli.Parse(fs, args, flagHints())
}

// printHelp writes a command's usage, then its flags, to w.
func printHelp(w io.Writer, usage string, fs *pflag.FlagSet) error {
	return cli.WriteHelp(w, usage, fs)
}

// program is conntab's command line: its commands, each with its flags
// (defined once, in its options' flags method: the same definitions
// parse its command line and describe it), and the prose around them.
func program() *cli.Program {
	cmd := func(name, alias, summary, usage string, fs *pflag.FlagSet, run func(context.Context, []string, io.Writer, io.Writer) error) *cli.Command {
		c := &cli.Command{Name: name, Summary: summary, Usage: usage, Flags: fs, Run: run}
		if alias != "" {
			c.Aliases = []string{alias}
		}
		return c
	}
	p := &cli.Program{
		Name: "conntab", Title: "the connection table of this host, as ss and netstat show it",
		Forms: []cli.Form{
			{Synopsis: "", Summary: "the live dashboard on a terminal, else the listing"},
			{Synopsis: "[list flags] [FILTER...]", Summary: "the listing, as conntab list"},
		},
		Commands: []*cli.Command{
			cmd("top", "dashboard", "the live dashboard", dashboardUsage, new(dashboardOptions).flags(), runDashboard),
			cmd("list", "ls", "every socket, one per line; --json, --csv, -s", listUsage, new(listOptions).flags(), runList),
			cmd("ports", "", "ephemeral port exhaustion: pools, settings, findings and advice; --json, --check", portsUsage, new(portsOptions).flags(), runPorts),
			cmd("listeners", "", "what listens, where, as whom, and what looks wrong; --json, --check, --rules", listenersUsage, new(listenersOptions).flags(), runListeners),
			cmd("serve", "", "a Prometheus exporter: /metrics, one snapshot per scrape (docs/prometheus.md)", serveUsage, new(serveOptions).flags(), runServe),
		},
		Default: "list", Hints: flagHints(), Sections: sections(),
	}
	p.AddBuiltins()
	return p
}

// sections are the prose after the commands.
func sections() []cli.Section {
	return []cli.Section{
		{Title: "Exit status", Overview: true, Text: `0 ok, 1 runtime error, 2 usage error (a bad flag, value, filter or rules file); with --check, conntab ports and conntab listeners exit 3 when the worst finding is a warning, 4 when it is critical.`},
		{Title: "Files", Text: `/etc/services names ports, over conntab's own table; /etc/passwd names users; /run/netns/NAME is the network namespace -N NAME reads (ip netns keeps them there).`},
		{Title: "See also", Text: `ss(8), netstat(8), ip-netns(8). In the source: docs/filter.md (the filter language), docs/json.md (JSON and CSV), docs/exhaustion.md (conntab ports), docs/listeners.md, docs/prometheus.md, docs/flags.md.`},
	}
}

// flagHints answer the flags of ss and netstat that conntab lacks.
func flagHints() []cli.Hint {
	return []cli.Hint{
		{Short: "x", Long: "unix", From: "ss: unix sockets", Say: "out of scope: unix sockets have no ports; ss -x lists them"},
		{Short: "w", Long: "raw", From: "ss: raw sockets", Say: "out of scope: raw sockets have no ports; ss -w lists them"},
		{Short: "S", Long: "sctp", From: "ss: SCTP sockets", Say: "out of scope: conntab reads TCP and UDP"},
		{Short: "m", Long: "memory", From: "ss: socket memory", Say: "not yet: conntab does not read socket memory; ss -m shows it"},
		{Short: "i", Long: "info", From: "ss: TCP internals", Say: "not in the listing yet: conntab top shows a socket's tcp_info in its details (enter on the socket)"},
		{Short: "K", Long: "kill", From: "ss: close sockets", Say: "not yet: closing sockets is planned; ss -K closes them"},
		{Short: "E", Long: "events", From: "ss: socket events", Say: "not yet: conntab top marks new, changed and closed sockets as they come and go"},
		{Short: "r", Long: "resolve", From: "ss: host names", Say: "not yet: addresses are numbers, and the Service column names the ports"},
		{Short: "A", Long: "query", From: "ss: socket tables", Say: "use -t or -u (conntab reads TCP and UDP), or a filter"},
		{Short: "f", Long: "family", From: "ss: address family", Say: "use -4 or -6 (other families have no ports)"},
		{Short: "O", Long: "oneline", From: "ss: one line per socket", Say: "not needed: every socket is one line already"},
		{Short: "Z", Long: "context", From: "ss: SELinux contexts", Say: "out of scope: conntab does not read security contexts"},
		{Short: "c", Long: "continuous", From: "netstat: again every second", Say: "use conntab top, the live view (or conntab ports -i DURATION for rates over an interval)"},
	}
}

// The flags that several commands share, defined once.

// sourceFlag is --source, into mode.
func sourceFlag(fs *pflag.FlagSet, mode *collect.Mode, help string) {
	f := cli.Arg(fs, "source", "", "auto|netlink|proc", help, func(v string) (err error) { *mode, err = collect.ParseMode(v); return err })
	cli.CompleteWords(f, "auto", "netlink", "proc")
}

// netnsFlag is -N, --netns, into netns.
func netnsFlag(fs *pflag.FlagSet, netns *string, help string) {
	cli.CompleteNamesIn(fileFlag(fs, netns, "netns", "N", "NAME|PATH", help), "/run/netns")
}

// fileFlag is a flag whose argument is kept as given, in p.
func fileFlag(fs *pflag.FlagSet, p *string, name, short, arg, help string) *pflag.Flag {
	f := cli.Arg(fs, name, short, arg, help, func(v string) error { *p = v; return nil })
	if arg == "FILE" {
		cli.CompleteFiles(f)
	}
	return f
}

// helpFlag is -h, --help, into help.
func helpFlag(fs *pflag.FlagSet, help *bool) { fs.BoolVarP(help, "help", "h", false, "this help") }
