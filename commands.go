package main

import (
	"context"
	"fmt"
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

// program is conntab's command line (cli.Conntab) run by this package.
func program() *cli.Program {
	return cli.Conntab(cli.Runs{Top: runDashboard, List: runList, Ports: runPorts, Listeners: runListeners, Serve: runServe, Watch: runWatch, Kill: runKill})
}

// parseArgs applies args to fs and returns the arguments that are not
// flags, as ss parses them (cli.Parse); a flag of ss or netstat that
// conntab lacks says what to use instead. cli keeps --source's word as
// given, for collect to read: a word it does not know is the mistake
// said, as it was when the flag itself checked it, unless pflag stopped
// before reaching it.
func parseArgs(args []string, fs *pflag.FlagSet) ([]string, error) {
	rest, err := cli.Parse(fs, args, cli.Hints())
	if f := fs.Lookup("source"); f != nil && f.Changed {
		if _, badSource := sourceMode(f.Value.String()); badSource != nil {
			return nil, badSource
		}
	}
	return rest, err
}

// helpOr is what a command returns once its flags are parsed with -h or
// an error: the error, else its help (usage, then flags' definitions).
func helpOr(err error, stdout io.Writer, usage string, flags func() *pflag.FlagSet) error {
	if err != nil {
		return err
	}
	return cli.WriteHelp(stdout, usage, flags())
}

// sourceMode is the collector's mode for --source's word ("" is auto).
func sourceMode(word string) (collect.Mode, error) {
	if word == "" {
		return collect.ModeAuto, nil
	}
	mode, err := collect.ParseMode(word)
	if err != nil {
		return 0, &usageError{Msg: "flag --source: " + err.Error(), Err: err}
	}
	return mode, nil
}

// readConfig is what the two flags every command that reads sockets has
// ask of the collector: where from (--source) and which namespaces (-N,
// which needs root but for "all": cli.NetNSFiles).
func readConfig(source string, netns ...string) (collect.Config, error) {
	mode, err := sourceMode(source)
	if err != nil {
		return collect.Config{}, err
	}
	files, all, err := cli.NetNSFiles(netns)
	cfg := collect.Config{Mode: mode, NetNSAll: all, NetNSes: files}
	if len(files) == 1 {
		cfg.NetNS, cfg.NetNSes = files[0], nil
	}
	return cfg, err
}

// checkNetNS is collect's check that the namespace -N named (given, ""
// for none) can be entered, said with the name the user gave.
func checkNetNS(ctx context.Context, c *collect.Collector, given string) error {
	if err := c.CheckNetNS(ctx); err != nil {
		return fmt.Errorf("network namespace %q cannot be read: %w", given, err)
	}
	return nil
}

// notifier says the collector's notices (a fallback to /proc) on stderr.
func notifier(stderr io.Writer) func(string) {
	return func(msg string) { fmt.Fprintln(stderr, msg) }
}
