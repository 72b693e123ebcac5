package main

import (
	"context"
	"io"
	"log"
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
	case err != nil || o.Help:
		return helpOr(err, stdout, cli.ServeUsage, o.Flags)
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
	return e.ListenAndServe(ctx, o.Listen, log.New(stderr, "conntab: ", 0))
}
