package tui

import (
	"strings"
	"testing"

	"github.com/conntab/conntab/analyze"
)

// TestPortsWhatIf: W on the Ports view, range=1024-65535 and enter: the
// next sample's pools are judged under it, the view says so, and the
// warned pool is no longer flagged; a typo is said and changes nothing;
// an empty line goes back to the pools as read.
func TestPortsWhatIf(t *testing.T) {
	m := portsModel(t, 120, 40)
	if p := m.c.ports().Pools[0]; p.Severity != analyze.SeverityWarn {
		t.Fatalf("the fixture's first pool is %v, want warn", p.Severity)
	}
	m = keys(t, m, "W", "type:range=1024")
	if s := screen(m); !strings.Contains(s, `"range=1024": want two ports, low first`) {
		t.Errorf("a half-typed range is not said:\n%s", s)
	}
	m = keys(t, m, "type:-65535 sources=2", "enter")
	m = takeSample(t, m)
	s := screen(m)
	if !strings.Contains(s, "WHAT IF range=1024-65535 sources=2:") || !strings.Contains(s, "nothing changed on the host") {
		t.Errorf("the view does not say a what-if is in force:\n%s", s)
	}
	r := m.c.ports()
	if r != m.c.net.WhatIf || r.Ephemeral.Lo != 1024 || r.Pools[0].Severity != analyze.SeverityNone || r.Pools[0].Usable != r.Usable || r.Usable <= r.Ephemeral.Size() {
		t.Errorf("what-if report: range %v, pool %v usable %d (U %d); want 1024-65535, none, U over the range's size (two sources)", r.Ephemeral, r.Pools[0].Severity, r.Pools[0].Usable, r.Usable)
	}
	if m.c.net.Ports.Ephemeral.Lo == 1024 {
		t.Error("the report as read took the what-if's range")
	}
	m = keys(t, m, "W", "ctrl+u", "enter")
	m = takeSample(t, m)
	if s := screen(m); strings.Contains(s, "WHAT IF") || m.c.ports() != m.c.net.Ports {
		t.Errorf("an empty what-if line does not go back to the pools as read:\n%s", s)
	}
}
