package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/conntab/conntab/render"
)

// TestPortsWhatIf is issue 20's what-if: on the exhaustion tests'
// 200-port namespace, with 160 of a pool's 199 ports taken (a warning),
// --what-if range=1024-65535 must report the usable ports the wider range
// gives and the pool no longer flagged, beside the report as read, and
// leave the namespace's range as it was.
func TestPortsWhatIf(t *testing.T) {
	p := newPortsNS(t)
	db := netip.MustParseAddrPort("127.0.0.1:5432")
	p.serve(db.String())
	p.serve("127.0.0.1:40100") // a listener inside both ranges
	p.hold(60, db, netip.Addr{})
	p.timeWait(100, db)

	doc := p.portsJSON("--what-if", "range=1024-65535")
	if doc.WhatIf == nil {
		t.Fatal(`no "what_if" in the document`)
	}
	if got := doc.WhatIf.Changes; len(got) != 1 || got[0] != (render.ChangeJSON{Setting: "ip_local_port_range", From: "40000-40199", To: "1024-65535"}) {
		t.Errorf("changes %+v; want ip_local_port_range 40000-40199 to 1024-65535", got)
	}
	// As read: U = 200 less the listener on 40100.
	pool := jsonPool(t, &doc, db)
	if doc.Ephemeral.Usable != 199 || pool.InUse != 160 || pool.Usable != 199 || pool.Severity != "warn" {
		t.Errorf("as read: U %d, pool in use %d of %d, %s; want 199, 160 of 199, warn", doc.Ephemeral.Usable, pool.InUse, pool.Usable, pool.Severity)
	}
	// What if: 64,512 ports less the two listeners' (5432 and 40100),
	// both inside the wider range.
	alt := &doc.WhatIf.Report
	altPool := jsonPool(t, alt, db)
	if alt.Ephemeral.Lo != 1024 || alt.Ephemeral.Hi != 65535 || alt.Ephemeral.Held != 2 || alt.Ephemeral.Usable != 64510 {
		t.Errorf("what-if range: %+v; want 1024-65535, 2 held, 64510 usable", alt.Ephemeral)
	}
	if altPool.InUse != 160 || altPool.Usable != 64510 || altPool.Free != 64350 || altPool.Severity != "none" {
		t.Errorf("what-if pool: in use %d of %d, %d free, %s; want 160 of 64510, 64350 free, none", altPool.InUse, altPool.Usable, altPool.Free, altPool.Severity)
	}
	for _, f := range alt.Findings {
		if f.Kind == "pool" {
			t.Errorf("what-if still finds the pool: %+v", f)
		}
	}
	// Four source addresses: each pool four times the ports.
	four := p.portsJSON("--what-if", "sources=4")
	if fp := jsonPool(t, &four.WhatIf.Report, db); fp.Usable != 796 || fp.InUse != 160 || fp.Severity != "none" {
		t.Errorf("sources=4: pool in use %d of %d, %s; want 160 of 796, none", fp.InUse, fp.Usable, fp.Severity)
	}
	// The text says the same, and nothing changed in the namespace.
	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"ports", "-N", p.ns.Path(), "--what-if", "range=1024-65535"}, &out, &errb); err != nil {
		t.Fatalf("conntab ports --what-if: %v (%s)", err, errb.String())
	}
	text := out.String()
	if !strings.Contains(text, "ip_local_port_range 40000-40199 → 1024-65535") || !strings.Contains(text, "199 → 64510") {
		t.Errorf("conntab ports --what-if text lacks the change or the pool's U:\n%s", text)
	}
	if again := p.portsJSON(); again.Ephemeral.Lo != 40000 || again.Ephemeral.Hi != 40199 || again.WhatIf != nil {
		t.Errorf("after --what-if the namespace's range reads %d-%d (what_if %v); want 40000-40199 untouched", again.Ephemeral.Lo, again.Ephemeral.Hi, again.WhatIf)
	}
}

// portsJSON runs conntab ports --json in the namespace with args.
func (p *portsNS) portsJSON(args ...string) render.PortsJSON {
	p.t.Helper()
	var out, errb bytes.Buffer
	if err := run(p.t.Context(), append([]string{"ports", "--json", "-N", p.ns.Path()}, args...), &out, &errb); err != nil {
		p.t.Fatalf("conntab ports --json %q: %v (%s)", args, err, errb.String())
	}
	var doc render.PortsJSON
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		p.t.Fatal(err)
	}
	return doc
}

func jsonPool(t *testing.T, doc *render.PortsJSON, remote netip.AddrPort) *render.PoolJSON {
	t.Helper()
	for i := range doc.Pools {
		if doc.Pools[i].Remote.Port == remote.Port() && doc.Pools[i].Remote.Addr == remote.Addr().String() {
			return &doc.Pools[i]
		}
	}
	t.Fatalf("no pool to %v in %+v", remote, doc.Pools)
	return nil
}
