package main

import (
	"context"
	"io"

	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/names"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/watch"
)

// runWatch is `conntab watch`: package watch runs it on the collector
// and the destroy messages of -N's namespace.
func runWatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := cli.DefaultWatchOptions()
	rest, err := parseArgs(args, o.Flags())
	if err != nil || o.Help {
		return helpOr(err, stdout, cli.WatchUsage, o.Flags)
	}
	cfg, err := readConfig("", o.NetNS)
	if err != nil {
		return err
	}
	f, err := parseFilter(o.FilterFile, rest)
	if err != nil {
		return err
	}
	cfg.States, cfg.Processes, cfg.Notify = watch.States(f.States, f.HasStates), !o.NoProcesses, notifier(stderr)
	c := collect.New(cfg)
	if err := checkNetNS(ctx, c, o.NetNS); err != nil {
		return err
	}
	labels := &render.Labeler{Labeler: names.Labeler{Services: names.HostServices(names.ServicesFile, warner(stderr))}}
	m, err := f.Compile(&labels.Labeler)
	if err != nil {
		return filterError(o.FilterFile, err)
	}
	w := watch.Config{Collect: c.Collect, Interval: o.Interval, Match: m.Match, Labeler: labels, JSON: o.JSON,
		Failures: watch.OpenFailures, Container: watch.ContainerOf}
	if !o.SamplesOnly {
		w.Destroys = func() (watch.Destroys, error) { return c.OpenDestroys() }
	}
	return watch.Run(ctx, w, stdout, stderr)
}
