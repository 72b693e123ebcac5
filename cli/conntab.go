package cli

import (
	"context"
	"io"

	"github.com/spf13/pflag"
)

// RunFunc runs a command with the arguments after its name (Command.Run).
type RunFunc = func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// Runs are what runs each of conntab's commands: package main's wiring.
type Runs struct {
	Top, List, Ports, Listeners, Serve, Watch, Kill RunFunc
}

// Conntab is conntab's command line: its commands, each with its flags
// (defined once, in its options' Flags method: the same definitions parse
// its command line and describe it), the prose around them, and the
// built-in commands (AddBuiltins); run says what runs each command.
func Conntab(run Runs) *Program {
	cmd := func(name, alias, summary, usage string, flags func() *pflag.FlagSet, run RunFunc) *Command {
		c := &Command{Name: name, Summary: summary, Usage: usage, Flags: flags, Run: run}
		if alias != "" {
			c.Aliases = []string{alias}
		}
		return c
	}
	p := &Program{
		Name: "conntab", Title: "the connection table of this host, as ss and netstat show it",
		Forms: []Form{
			{Synopsis: "", Summary: "the live dashboard on a terminal, else the listing"},
			{Synopsis: "[list flags] [FILTER...]", Summary: "the listing, as conntab list"},
		},
		Commands: []*Command{
			cmd("top", "dashboard", "the live dashboard", TopUsage, new(TopOptions).Flags, run.Top),
			cmd("list", "ls", "every socket, one per line; --json, --csv, -s", ListUsage, new(ListOptions).Flags, run.List),
			cmd("ports", "", "ephemeral port exhaustion: pools, settings, findings and advice; --json, --check", PortsUsage, new(PortsOptions).Flags, run.Ports),
			cmd("listeners", "", "what listens, where, as whom, and what looks wrong; --json, --check, --rules", ListenersUsage, new(ListenersOptions).Flags, run.Listeners),
			cmd("watch", "", "a stream of events: opens, state changes, closes with lifetimes and bytes; --json", WatchUsage, new(WatchOptions).Flags, run.Watch),
			cmd("kill", "", "close the sockets a filter selects (ss -K); lists them unless --yes", KillUsage, new(KillOptions).Flags, run.Kill),
			cmd("serve", "", "a Prometheus exporter: /metrics, one snapshot per scrape (docs/prometheus.md)", ServeUsage, new(ServeOptions).Flags, run.Serve),
		},
		Default: "list", Hints: Hints(), Sections: conntabSections(),
	}
	p.AddBuiltins()
	return p
}

// ExitStatus is conntab's one rule for its exit status, as the overview,
// the man page and the README state it.
const ExitStatus = `0 done. 2 the command line is wrong: a flag, a value, an argument, a filter, or a file it names (-F, --rules, --cpuprofile) that is missing, unreadable or malformed. 1 the host did not answer: its sockets or /proc could not be read in full, the namespace -N names cannot be entered (none by that name, or not as root), serve cannot listen on --listen's address (taken, or not this host's), or the output could not be written. With --check, conntab ports and conntab listeners exit 3 when the worst finding is a warning, 4 when it is critical.`

// conntabSections are the prose after the commands.
func conntabSections() []Section {
	return []Section{
		{Title: "Exit status", Overview: true, Text: ExitStatus},
		{Title: "Files", Text: `/etc/services names ports, over conntab's own table; /etc/passwd names users; /run/netns/NAME is the network namespace -N NAME reads (ip netns keeps them there).`},
		{Title: "See also", Text: `ss(8), netstat(8), ip-netns(8). In the source: docs/filter.md (the filter language), docs/json.md (JSON and CSV), docs/exhaustion.md (conntab ports), docs/listeners.md, docs/prometheus.md, docs/flags.md.`},
	}
}
