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

	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/filter"
)

func main() {
	ctx := new(cli.LazySignals)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	ctx.Release()
	if err != nil {
		fmt.Fprint(os.Stderr, cli.ErrorText(err))
	}
	os.Exit(cli.Status(err))
}

// run dispatches the subcommand. With no arguments, conntab opens the
// dashboard on a terminal; with flags only, it lists.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return runDefault(ctx, stdout, stderr)
	}
	return program().Run(ctx, args, stdout, stderr)
}

// filterError is the usage error for a filter that does not parse or
// compile, from the file -F named (file, "" for the arguments): where,
// and what is wrong; errorText adds the caret.
func filterError(file string, err error) error {
	where := "bad filter"
	if file != "" {
		where = fmt.Sprintf("bad filter in -F %q", file)
	}
	var syntax *filter.SyntaxError
	if errors.As(err, &syntax) {
		return &usageError{Msg: fmt.Sprintf("%s at column %d: %s", where, syntax.Col, syntax.Msg), Err: err}
	}
	return &usageError{Msg: where + " (" + err.Error() + ")", Err: err}
}
