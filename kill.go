package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
	"github.com/conntab/conntab/render"
)

// runKill is `conntab kill`: the sockets the filter selects, listed, and
// with --yes closed (collect.Destroy), each said on stderr and to syslog.
func runKill(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o cli.KillOptions
	rest, err := parseArgs(args, o.Flags())
	if err != nil || o.Help {
		return helpOr(err, stdout, cli.KillUsage, o.Flags)
	}
	f, err := parseFilter(o.FilterFile, rest)
	if err != nil {
		return err
	}
	if f.Expr == nil && !f.HasStates && !o.Force {
		return usagef("conntab kill closes the sockets a filter selects: give one (conntab kill state close-wait dport = :8080)")
	}
	cfg, err := readConfig("netlink", o.NetNS)
	// Every socket is read, so that "every socket" means the namespace's.
	cfg.States, cfg.Processes, cfg.Notify = model.AllStateSet, o.Processes, notifier(stderr)
	c := collect.New(cfg)
	var snap *model.Snapshot
	if err == nil {
		snap, err = c.Collect(ctx)
	}
	if err != nil {
		return fmt.Errorf("nothing closed: the sockets could not be read in full: %w", err)
	}
	labels := &render.Labeler{Labeler: names.Labeler{Services: names.HostServices(names.ServicesFile, warner(stderr))}}
	labels.Host, labels.Snapshot = &snap.Host, snap
	m, err := f.Compile(&labels.Labeler)
	if err != nil {
		return filterError(o.FilterFile, err)
	}
	total := len(snap.Sockets)
	snap.Sockets = m.Keep(snap.Sockets, func(s *model.Socket) bool { return !f.HasStates || f.States.Has(s.State) })
	if err := o.CheckKill(snap.Sockets, total); err != nil {
		return err
	}
	lo := render.ListingOptions{Columns: render.ColumnSet{Processes: o.Processes}}
	if err := writeReport(stdout, "listing", func(w *bufio.Writer) error { render.Listing(w, snap, lo, labels); return nil }); err != nil {
		return err
	}
	if !o.Yes || len(snap.Sockets) == 0 {
		fmt.Fprintf(stderr, "conntab kill: %d sockets selected, none closed (--yes closes them)\n", len(snap.Sockets))
		return nil
	}
	errs, err := c.Destroy(ctx, snap.Sockets)
	return saidClosed(snap.Sockets, errs, err, stderr)
}

// saidClosed says each socket closed on stderr and to syslog, with the
// user who asked (render.KillReport), and returns an error for those that
// were not.
func saidClosed(socks []model.Socket, errs []error, err error, stderr io.Writer) error {
	gone := func(err error) bool { return errors.Is(err, collect.ErrGone) }
	failed := render.KillReport(stderr, socks, errs, gone, cli.Syslog(), fmt.Sprintf("uid %d", os.Getuid()))
	switch {
	case err != nil:
		return err // one line: why the kernel closes none
	case len(failed) > 0:
		return fmt.Errorf("%d sockets not closed: %w", len(failed), errors.Join(failed...))
	}
	return nil
}
