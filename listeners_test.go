package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/internal/reporttest"
)

func TestListenersCheck(t *testing.T) {
	if got := cli.Status(listenersVerdict(reporttest.ListenersReport(reporttest.ListenersSnapshot()))); got != 3 {
		t.Errorf("the synthetic host: exit %d, want 3", got)
	}
	snap := reporttest.ListenersSnapshot()
	snap.Sockets = snap.Sockets[2:3] // :22 held by nc: a notice
	if got := cli.Status(listenersVerdict(reporttest.ListenersReport(snap))); got != 0 {
		t.Errorf("a notice alone: exit %d, want 0", got)
	}
	if err := listenersVerdict(reporttest.ListenersReport(reporttest.ListenersSnapshot())); err == nil || cli.ErrorText(err) != "conntab: listeners: warn\n" {
		t.Errorf("verdict %v", err)
	}
}

func TestListenersUsageErrors(t *testing.T) {
	checkUsageErrors(t, []usageCase{
		{[]string{"listeners", "--source", "kernel"}, `"kernel"`},
		{[]string{"listeners", "--rules"}, "--rules"},
		{[]string{"listeners", "--rules", "testdata/audit/malformed.txt"}, `"local 6379          # no protocol"`},
		{[]string{"listeners", "--rules", "testdata/audit/none.txt"}, "none.txt"},
		{[]string{"listeners", "--check=yes"}, "--check"},
		{[]string{"listeners", "stray"}, `"stray"`},
	})
}

func TestListenersHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"listeners", "-h"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Usage: conntab listeners", "--check", "--rules FILE", "port numbers are not authentication"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
	out.Reset()
	if err := run(t.Context(), []string{"help"}, &out, &out); err != nil || !strings.Contains(out.String(), "conntab listeners [flags]") {
		t.Errorf("conntab help does not name listeners (err %v)", err)
	}
}
