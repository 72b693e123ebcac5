// Command conntab shows a Linux host's connection table: every TCP and UDP
// socket as a 5-tuple with its state, read from the kernel's sock_diag
// interface (or /proc/net where that is refused).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/conntab/conntab/filter"
)

const usage = `conntab: the connection table of this host, as ss and netstat show it.

Usage:
  conntab [list flags]          the listing (see conntab list -h)
  conntab list|ls [flags]       every socket, one per line; --json, --csv, -s
  conntab help                  this help

Exit status: 0 ok, 1 runtime error, 2 usage error.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "conntab: %s\n", oneLine(err))
		var syntax *filter.SyntaxError
		if errors.As(err, &syntax) {
			fmt.Fprintf(os.Stderr, "  %s\n", strings.ReplaceAll(syntax.Caret(), "\n", "\n  "))
		}
		if exitCode(err) == 2 {
			fmt.Fprintln(os.Stderr, "Run 'conntab help' for usage.")
		}
	}
	os.Exit(exitCode(err))
}

// run dispatches the subcommand. With no subcommand, conntab lists.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "list"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "list", "ls":
		return runList(ctx, args, stdout, stderr)
	case "help":
		_, err := io.WriteString(stdout, usage)
		return err
	}
	return usagef("unknown command %q", cmd)
}
