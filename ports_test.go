package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/internal/reporttest"
	"github.com/conntab/conntab/model"
)

// portsSnapshot is the synthetic namespace of the ports report
// (reporttest.PortsSnapshot).
func portsSnapshot(n int) *model.Snapshot { return reporttest.PortsSnapshot(n) }

// --check: exit 0 for a report whose worst finding is a notice or less,
// 3 for a warning, 4 for critical, saying so in one line.
func TestPortsCheck(t *testing.T) {
	for _, tt := range []struct {
		severity analyze.Severity
		status   int
		stderr   string
	}{
		{analyze.SeverityNone, 0, ""},
		{analyze.SeverityNotice, 0, ""},
		{analyze.SeverityWarn, 3, "conntab: ports: warn\n"},
		{analyze.SeverityCritical, 4, "conntab: ports: crit\n"},
	} {
		t.Run(tt.severity.String(), func(t *testing.T) {
			r := &analyze.PortsReport{Findings: []analyze.Finding{
				{Kind: analyze.FindFinTimeout, Severity: analyze.SeverityNone},
				{Kind: analyze.FindPool, Severity: tt.severity},
			}}
			err := portsVerdict(r)
			if got := cli.Status(err); got != tt.status {
				t.Errorf("exit %d, want %d (err %v)", got, tt.status, err)
			}
			if err == nil {
				if tt.stderr != "" {
					t.Errorf("no verdict, want %q", tt.stderr)
				}
				return
			}
			if diff := cmp.Diff(tt.stderr, cli.ErrorText(err)); diff != "" {
				t.Errorf("stderr (-want +got)\n%s", diff)
			}
		})
	}
	// The synthetic reports: a warning each.
	if got := cli.Status(portsVerdict(reporttest.PortsReport())); got != 3 {
		t.Errorf("portsReport: exit %d, want 3", got)
	}
	if got := cli.Status(portsVerdict(reporttest.PortsReportClean())); got != 0 {
		t.Errorf("portsReportClean: exit %d, want 0", got)
	}
	// A runtime or usage error keeps its status.
	if got := cli.Status(errors.New("boom")); got != 1 {
		t.Errorf("a runtime error: exit %d, want 1", got)
	}
	if got := cli.Status(usagef("bad")); got != 2 {
		t.Errorf("a usage error: exit %d, want 2", got)
	}
}

// A bad flag is a usage error (exit 2) that quotes what was given.
func TestPortsUsageErrors(t *testing.T) {
	checkUsageErrors(t, []usageCase{
		{[]string{"ports", "-i", "soon"}, `"soon"`},
		{[]string{"ports", "--interval=100ms"}, `"100ms"`},
		{[]string{"ports", "-i"}, "-i"},
		{[]string{"ports", "--top", "0"}, `"0"`},
		{[]string{"ports", "--top=lots"}, `"lots"`},
		{[]string{"ports", "--source", "kernel"}, `"kernel"`},
		{[]string{"ports", "--check=yes"}, "--check"},
		{[]string{"ports", "-x"}, "-x"},
		{[]string{"ports", "stray"}, `"stray"`},
	})
}

func TestPortsHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"ports", "-h"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Usage: conntab ports", "--check", "--top N", "-i, --interval"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
	out.Reset()
	if err := run(t.Context(), []string{"help"}, &out, &out); err != nil || !strings.Contains(out.String(), "conntab ports [flags]") {
		t.Errorf("conntab help does not name ports (err %v)", err)
	}
}

func severityNamed(name string) analyze.Severity {
	for s := analyze.SeverityNone; s <= analyze.SeverityCritical; s++ {
		if s.String() == name {
			return s
		}
	}
	return 255
}
