package main

import (
	"bufio"
	"context"
	"io"
	"strings"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/sample"
)

// runPorts is `conntab ports`.
func runPorts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := cli.DefaultPortsOptions()
	rest, err := parseArgs(args, o.Flags())
	if err != nil || o.Help {
		return helpOr(err, stdout, cli.PortsUsage, o.Flags)
	}
	if len(rest) > 0 {
		return usagef("conntab ports takes no arguments, only flags: %q", strings.Join(rest, " "))
	}
	cfg, err := readConfig(o.Source, o.NetNS)
	if err != nil {
		return err
	}
	// The pools are TCP's alone; UDP would only cost time.
	cfg.Settings, cfg.Protos, cfg.Notify = true, []model.Proto{model.ProtoTCP}, notifier(stderr)
	th := o.Thresholds
	s, collectErr := sample.TakeAfter(ctx, &sample.Config{Collect: collect.New(cfg).Collect, Thresholds: th, Ports: true, WhatIf: &o.WhatIf}, o.Interval)
	if s == nil {
		return collectErr
	}
	r, alt, changes := s.Net().Ports, s.Net().WhatIf, o.WhatIf.Changes(&s.Net().Snap.Host)
	err = writeReport(stdout, "report", func(w *bufio.Writer) error {
		if o.JSON && alt != nil {
			return render.PortsWhatIfDocument(w, r, alt, changes)
		} else if o.JSON {
			return render.PortsDocument(w, r)
		}
		to := render.PortsTextOptions{NetNS: o.NetNS, Source: s.Net().Snap.Source, Samples: s.Net().DT,
			Top: o.Top, Width: render.TerminalWidth(stdout), Thresholds: th}
		render.PortsText(w, r, to)
		if alt != nil {
			render.PortsWhatIfText(w, r, alt, changes, to)
		}
		return nil
	})
	return ending(err, collectErr, o.Check, func() error { return portsVerdict(r) })
}

// portsVerdict is --check's verdict on r.
func portsVerdict(r *analyze.PortsReport) error { return cli.Verdict("ports", r.Severity()) }
