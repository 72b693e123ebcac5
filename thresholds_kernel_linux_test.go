package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/render"
)

// A threshold set on the command line changes the verdict: a pool a
// fifth full is nothing at the defaults (a notice from 50%), a warning
// with --threshold ports-warn=15, critical with ports-critical=15; and
// the listing's flags follow the same thresholds.
func TestThresholdChangesVerdict(t *testing.T) {
	p := newPortsNS(t)
	db := netip.MustParseAddrPort("127.0.0.1:5432")
	p.serve(db.String())
	p.hold(40, db, netip.Addr{}) // 40 of the range's 200 ports

	for _, tt := range []struct {
		thresholds []string
		exit       int
	}{
		{nil, 0},
		{[]string{"--threshold", "ports-warn=15"}, 3},
		{[]string{"--threshold", "ports-warn=15", "--threshold=ports-critical=20"}, 4},
		{[]string{"--threshold", "ports-notice=15"}, 0}, // a notice passes --check
	} {
		args := append([]string{"ports", "--check", "-N", p.ns.Path()}, tt.thresholds...)
		var out, errb bytes.Buffer
		err := run(t.Context(), args, &out, &errb)
		if got := cli.Status(err); got != tt.exit {
			t.Errorf("%s: exit %d (%v), want %d\n%s%s", strings.Join(tt.thresholds, " "), got, err, tt.exit, out.String(), errb.String())
		}
	}

	var out, errb bytes.Buffer
	args := []string{"list", "--flags", "--json", "-N", p.ns.Path(), "--threshold", "ports-notice=15", "dst", db.String()}
	if err := run(t.Context(), args, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	line, _, _ := strings.Cut(out.String(), "\n")
	var s render.SocketJSON
	if err := json.Unmarshal([]byte(line), &s); err != nil {
		t.Fatalf("%v: %q", err, line)
	}
	if len(s.Flags) != 1 || s.Flags[0].Kind != "ports" || s.Flags[0].Severity != "notice" {
		t.Errorf("list --flags --threshold ports-notice=15: flags %+v, want one ports notice", s.Flags)
	}
}
