package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/render"
)

// Tests of the commands against this machine's own kernel: they read
// the live namespace the test runs in, so they are Linux-only.

// The audit of this host, as anyone may run it.
func TestListenersLive(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(t.Context(), []string{"listeners", "--json", "--check"}, &out, &errb)
	if s := processStatus(err); s != 0 && s != 3 && s != 4 {
		t.Fatalf("exit %d (%v)\n%s", s, err, errb.String())
	}
	var j render.ListenersJSON
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		t.Fatal(err)
	}
	if j.Taken.IsZero() || j.Source == "" || j.UnprivilegedPortStart == nil {
		t.Errorf("taken %v, source %q, ip_unprivileged_port_start %v", j.Taken, j.Source, j.UnprivilegedPortStart)
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

// TestNoTerminalLists: conntab with no arguments, in a pipe, prints the
// listing and says on stderr why it did not open the dashboard.
func TestNoTerminalLists(t *testing.T) {
	if isTerminal() {
		t.Skip("stdin and stdout are a terminal: conntab would open the dashboard")
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "Netid") {
		t.Errorf("stdout is not the listing:\n%s", out.String())
	}
	if !strings.Contains(errOut.String(), "not a terminal") {
		t.Errorf("stderr does not say why: %q", errOut.String())
	}
}
