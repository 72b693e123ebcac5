package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
	"github.com/conntab/conntab/render"
)

// runListeners is `conntab listeners`.
func runListeners(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o cli.ListenersOptions
	rest, err := parseArgs(args, o.Flags())
	if err != nil || o.Help {
		return helpOr(err, stdout, cli.ListenersUsage, o.Flags)
	}
	if len(rest) > 0 {
		return usagef("conntab listeners takes no arguments, only flags: %q", strings.Join(rest, " "))
	}
	rules, err := loadRules(o.Rules)
	if err != nil {
		return err
	}
	if rules == nil {
		rules = audit.DefaultAuditRules()
	}
	cfg, err := readConfig(o.Source, o.NetNS)
	if err != nil {
		return err
	}
	cfg.Settings, cfg.Processes, cfg.Protos, cfg.Notify = true, true, o.Protos, notifier(stderr)
	cfg.States = model.NewStateSet(model.StateListen, model.StateUnconn)
	snap, collectErr := collect.New(cfg).Collect(ctx)
	if snap == nil {
		return collectErr
	}
	services, users := loadNames(stderr)
	r := audit.Audit(snap, names.Labeler{Services: services, Host: &snap.Host, UserName: users.Name, Snapshot: snap}, rules)

	err = writeReport(stdout, "audit", func(w *bufio.Writer) error {
		if o.JSON {
			return render.ListenersDocument(w, r)
		}
		render.ListenersText(w, r, render.ListenersTextOptions{NetNS: o.NetNS, Width: render.TerminalWidth(stdout), Root: os.Geteuid() == 0})
		return nil
	})
	return ending(err, collectErr, o.Check, func() error { return listenersVerdict(r) })
}

// loadRules reads --rules FILE over conntab's own rules; nil for no file.
// A file the command line names is part of it: one that cannot be read,
// or has a bad line, is a usage error, as a bad filter is. The error
// quotes each bad line, and matches audit.ErrAuditSyntax or
// os.ErrNotExist.
func loadRules(file string) (*audit.AuditRules, error) {
	if file == "" {
		return nil, nil
	}
	rules, err := audit.LoadAuditRules(file)
	switch {
	case errors.Is(err, audit.ErrAuditSyntax):
		return nil, &usageError{Msg: "--rules " + err.Error(), Err: err}
	case err != nil:
		return nil, cli.FileError("--rules", file, err)
	}
	return rules, nil
}

// listenersVerdict is --check's verdict on r.
func listenersVerdict(r *audit.ListenerReport) error { return cli.Verdict("listeners", r.Severity()) }
