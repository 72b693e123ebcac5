package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/sample"
)

// runListeners is `conntab listeners`: with -N all, one audit per namespace.
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
	cfg, err := readConfig(o.Source, o.NetNS...)
	if err != nil {
		return err
	}
	cfg.Settings, cfg.Processes, cfg.Protos, cfg.Notify = true, true, o.Protos, notifier(stderr)
	cfg.States = model.NewStateSet(model.StateListen, model.StateUnconn)
	services, users := loadNames(stderr)
	s, collectErr := sample.Take(ctx, &sample.Config{Collect: collect.New(cfg).Collect, Rules: rules,
		Names: names.Labeler{Services: services, UserName: users.Name}, PerNamespace: o.SeveralNetNS()}, nil)
	if s == nil {
		return collectErr
	}
	out := render.ListenersOutput{Several: o.SeveralNetNS(), JSON: o.JSON,
		Text: render.ListenersTextOptions{NetNS: o.OneNetNS(), Width: render.TerminalWidth(stdout), Root: os.Geteuid() == 0}}
	reports := make([]*audit.ListenerReport, len(s.Nets))
	for i, n := range s.Nets {
		out.Nets, reports[i] = append(out.Nets, render.NamespaceListeners{NS: n.Namespace(), Report: n.Listeners}), n.Listeners
	}
	err = writeReport(stdout, "audit", func(w *bufio.Writer) error { return render.WriteListeners(w, &out) })
	return ending(err, collectErr, o.Check, func() error { return listenersVerdict(reports...) })
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

// listenersVerdict is --check's verdict on the audits: their worst finding.
func listenersVerdict(rs ...*audit.ListenerReport) error {
	var worst analyze.Severity
	for _, r := range rs {
		worst = max(worst, r.Severity())
	}
	return cli.Verdict("listeners", worst)
}
