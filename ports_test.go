package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/internal/modeltest"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
)

// portsTaken is the synthetic snapshots' time.
var portsTaken = modeltest.PortsTaken

// portsSnapshot is modeltest.PortsSnapshot: n sockets in the pool to
// 10.0.0.9:5432 beside a listener with a full accept queue and two
// smaller pools.
func portsSnapshot(n int) *model.Snapshot { return modeltest.PortsSnapshot(n) }

// portsReport is the report on portsSnapshot(169): the pool to
// 10.0.0.9:5432 at 85% (169 of 198).
func portsReport() *analyze.PortsReport {
	th := analyze.DefaultThresholds()
	snap := portsSnapshot(169)
	return analyze.Ports(snap, analyze.Destinations(snap, nil, 0, th), model.NetCounters{}, 0, th)
}

// portsReportInterval is the report on two samples 5 s apart: the pool
// to 10.0.0.9:5432 grew from 159 to 169 ports, and the counters rose
// (ListenOverflows by 2).
func portsReportInterval() *analyze.PortsReport {
	th := analyze.DefaultThresholds()
	first, second := portsSnapshot(159), portsSnapshot(169)
	second.Taken = first.Taken.Add(5 * time.Second)
	before := first.Host.Counters
	before.TW -= 100
	before.ActiveOpens -= 60
	before.PassiveOpens -= 5
	before.ListenOverflows -= 2
	before.ListenDrops -= 2
	before.CurrEstab = 20
	first.Host.Counters = before
	ix := analyze.Destinations(first, nil, 0, th)
	return analyze.Ports(second, analyze.Destinations(second, ix, 5*time.Second, th), before, 5*time.Second, th)
}

// portsReportClean is a quiet host: one pool of 3 connections, nothing
// found.
func portsReportClean() *analyze.PortsReport {
	th := analyze.DefaultThresholds()
	snap := portsSnapshot(0)
	snap.Sockets = snap.Sockets[3:] // no listener, no bound socket
	snap.Sockets = snap.Sockets[:3] // to 10.0.0.8:443 only
	snap.Host.Settings.TCPFinTimeout = analyze.TimeWaitLen
	snap.Host.Settings.ConntrackCount, snap.Host.Settings.ConntrackMax = 1200, 262144
	snap.Host.Counters.ListenOverflows = 0
	return analyze.Ports(snap, analyze.Destinations(snap, nil, 0, th), model.NetCounters{}, 0, th)
}

func renderPorts(r *analyze.PortsReport, o portsText) []byte {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	writePortsText(w, r, o)
	w.Flush()
	return b.Bytes()
}

func TestPortsGolden(t *testing.T) {
	text := portsText{source: model.SourceNetlink, top: 20, width: maxTextWidth, th: analyze.DefaultThresholds()}
	withTop := func(n int) portsText { o := text; o.top = n; return o }
	interval := text
	interval.samples = 5 * time.Second
	clean := text
	clean.netns, clean.source = "blue", model.SourceProc
	for _, tt := range []struct {
		name   string
		report *analyze.PortsReport
		text   *portsText // nil for JSON
	}{
		{"ports.txt", portsReport(), &text},
		{"ports_top1.txt", portsReport(), ptr(withTop(1))},
		{"ports_interval.txt", portsReportInterval(), &interval},
		{"ports_clean.txt", portsReportClean(), &clean},
		{"ports.json", portsReport(), nil},
		{"ports_interval.json", portsReportInterval(), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.text != nil {
				golden(t, tt.name, renderPorts(tt.report, *tt.text))
				return
			}
			var b bytes.Buffer
			if err := writePortsJSON(&b, tt.report); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, b.Bytes())
		})
	}
}

func ptr[T any](v T) *T { return &v }

// The text wraps its prose at the width it is given, and never breaks a
// counter from its rate.
func TestPortsTextWraps(t *testing.T) {
	for _, width := range []int{60, 80, 100} {
		out := renderPorts(portsReportInterval(), portsText{top: 20, width: width, samples: 5 * time.Second, th: analyze.DefaultThresholds()})
		tables := false
		for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
			switch {
			case strings.HasPrefix(line, "LOCAL"):
				tables = true // table rows run as wide as they need
			case line == "" || line == "FINDINGS":
				tables = false
			}
			if n := len([]rune(line)); !tables && n > width && strings.Contains(line, " ") {
				t.Errorf("width %d: a line of %d: %q", width, n, line)
			}
			if strings.HasPrefix(strings.TrimSpace(line), "(+") {
				t.Errorf("width %d: a rate broken from its counter: %q", width, line)
			}
		}
	}
}

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
			if got := processStatus(err); got != tt.status {
				t.Errorf("exit %d, want %d (err %v)", got, tt.status, err)
			}
			if err == nil {
				if tt.stderr != "" {
					t.Errorf("no verdict, want %q", tt.stderr)
				}
				return
			}
			if diff := cmp.Diff(tt.stderr, errorText(err)); diff != "" {
				t.Errorf("stderr (-want +got)\n%s", diff)
			}
		})
	}
	// The synthetic reports: a warning each.
	if got := processStatus(portsVerdict(portsReport())); got != 3 {
		t.Errorf("portsReport: exit %d, want 3", got)
	}
	if got := processStatus(portsVerdict(portsReportClean())); got != 0 {
		t.Errorf("portsReportClean: exit %d, want 0", got)
	}
	// A runtime or usage error keeps its status.
	if got := processStatus(errors.New("boom")); got != 1 {
		t.Errorf("a runtime error: exit %d, want 1", got)
	}
	if got := processStatus(usagef("bad")); got != 2 {
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

// The report on this host, as anyone may run it: text and JSON.
func TestPortsLive(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"ports"}, &out, &errb); err != nil {
		t.Fatalf("%v\nstderr: %s", err, errb.String())
	}
	if !strings.HasPrefix(out.String(), "conntab ports: netns ") || !strings.Contains(out.String(), "\nsettings: tcp_tw_reuse ") {
		t.Errorf("unexpected report:\n%s", out.String())
	}

	out.Reset()
	err := run(t.Context(), []string{"ports", "--json", "--check"}, &out, &errb)
	if s := processStatus(err); s != 0 && s != 3 && s != 4 {
		t.Fatalf("--check: exit %d (%v)", s, err)
	}
	var j render.PortsJSON
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		t.Fatal(err)
	}
	if !j.Settings.Read || !j.Counters.Read || j.Ephemeral.Size == 0 || j.Taken.IsZero() {
		t.Errorf("settings read %v, counters read %v, range %+v, taken %v", j.Settings.Read, j.Counters.Read, j.Ephemeral, j.Taken)
	}
	if want := map[analyze.Severity]int{analyze.SeverityWarn: 3, analyze.SeverityCritical: 4}; processStatus(err) != want[severityNamed(j.Severity)] {
		t.Errorf("severity %q but exit %d", j.Severity, processStatus(err))
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
