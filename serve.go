package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"

	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/exporter"
)

// runServe is `conntab serve`.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := cli.DefaultServeOptions()
	rest, err := parseArgs(args, o.Flags())
	switch {
	case err != nil:
		return err
	case o.Help:
		return cli.WriteHelp(stdout, cli.ServeUsage, o.Flags())
	case len(rest) > 0:
		return usagef("conntab serve takes no arguments, only flags: %q", strings.Join(rest, " "))
	}
	cfg, err := readConfig(o.Source, o.NetNS)
	if err != nil {
		return err
	}
	cfg.Settings, cfg.Notify = true, notifier(stderr)
	collector := collect.New(cfg)
	// Before anything listens or is written: a namespace that cannot be
	// entered is an error now, not a server whose every scrape says
	// conntab_collect_success 0.
	checkCtx, cancel := context.WithTimeout(ctx, o.Timeout)
	err = checkNetNS(checkCtx, collector, o.NetNS)
	cancel()
	if err != nil {
		return err
	}
	e := exporter.New(exporter.Config{Collect: collector.Collect, Top: o.Top, Timeout: o.Timeout})
	if o.Once {
		return e.WriteOnce(stdout)
	}
	return listenError(o.Listen, e.ListenAndServe(ctx, o.Listen, log.New(stderr, "conntab: ", 0)))
}

// listenError says why serve could not listen on addr (--listen), which
// the flag already found well formed: the host's answer (the port is
// taken, the address is not this host's), exit status 1. Other errors
// pass as they are.
func listenError(addr string, err error) error {
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "listen" {
		return err
	}
	reason := op.Err
	var sys *os.SyscallError
	if errors.As(reason, &sys) {
		reason = sys.Err
	}
	return &saidError{msg: fmt.Sprintf("cannot serve on %q (--listen): %v", addr, reason), err: err}
}
