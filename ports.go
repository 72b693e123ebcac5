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

// runPorts is `conntab ports`: with -N all, one report per namespace.
func runPorts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := cli.DefaultPortsOptions()
	rest, err := parseArgs(args, o.Flags())
	if err != nil || o.Help {
		return helpOr(err, stdout, cli.PortsUsage, o.Flags)
	}
	if len(rest) > 0 {
		return usagef("conntab ports takes no arguments, only flags: %q", strings.Join(rest, " "))
	}
	cfg, err := readConfig(o.Source, o.NetNS...)
	if err == nil {
		err = o.Validate()
	}
	if err != nil {
		return err
	}
	// The pools are TCP's alone; UDP would only cost time.
	cfg.Settings, cfg.Protos, cfg.Notify = true, []model.Proto{model.ProtoTCP}, notifier(stderr)
	th := o.Thresholds
	s, collectErr := sample.TakeAfter(ctx, &sample.Config{Collect: collect.New(cfg).Collect, Thresholds: th, Ports: true, WhatIf: &o.WhatIf,
		PerNamespace: o.SeveralNetNS()}, o.Interval)
	if s == nil {
		return collectErr
	}
	out := render.PortsOutput{Several: o.SeveralNetNS(), WhatIf: s.Net().WhatIf, Changes: o.WhatIf.Changes(&s.Net().Snap.Host), JSON: o.JSON,
		Text: render.PortsTextOptions{NetNS: o.OneNetNS(), Source: s.Net().Snap.Source, Samples: s.Net().DT,
			Top: o.Top, Width: render.TerminalWidth(stdout), Thresholds: th}}
	reports := make([]*analyze.PortsReport, len(s.Nets))
	for i, n := range s.Nets {
		out.Nets, reports[i] = append(out.Nets, render.NamespacePorts{NS: n.Namespace(), Report: n.Ports}), n.Ports
	}
	err = writeReport(stdout, "report", func(w *bufio.Writer) error { return render.WritePorts(w, &out) })
	return ending(err, collectErr, o.Check, func() error { return portsVerdict(reports...) })
}

// portsVerdict is --check's verdict on the reports: their worst finding.
func portsVerdict(rs ...*analyze.PortsReport) error {
	var worst analyze.Severity
	for _, r := range rs {
		worst = max(worst, r.Severity())
	}
	return cli.Verdict("ports", worst)
}
