package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/render"
)

// TestKernelListenersAllNamespaces: of 4 namespaces of the test's own,
// one (named as ip netns names it) listens on 0.0.0.0:6379, Redis's port,
// the others on loopback only. `conntab listeners -N all --json` flags
// that listener, exposed (and held by a program that is not Redis), in
// that namespace alone; with -N given for the
// 4, --check exits 3 (warn) and the text's one warning names the
// namespace.
func TestKernelListenersAllNamespaces(t *testing.T) {
	nss := manyNamespaces(t, 4)
	exposed := nss[2]
	name := nameNS(t, exposed)
	l, err := exposed.Listen("tcp4", "0.0.0.0:6379")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ours := map[uint32]bool{}
	var args []string
	for _, ns := range nss {
		ours[uint32(ns.Inode())] = true
		args = append(args, "-N", ns.Path())
	}

	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"listeners", "-N", "all", "--json"}, &out, &errb); err != nil {
		t.Fatalf("conntab listeners -N all --json: %v (stderr %q)", err, errb.String())
	}
	var doc render.ListenersNamespacesJSON
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	seen := 0
	for _, n := range doc.Namespaces {
		if !ours[n.NetNS] {
			continue // another namespace of the host: not this test's to judge
		}
		seen++
		var flagged []string
		for _, f := range n.Findings {
			flagged = append(flagged, f.Severity+" "+f.Kind+" "+f.Subject)
		}
		want := []string(nil)
		if n.NetNS == uint32(exposed.Inode()) {
			// Held by the test, not a Redis server: a notice besides.
			want = []string{"warn exposed tcp 0.0.0.0:6379 (redis)", "notice unexpected-program tcp 0.0.0.0:6379 (redis)"}
			if n.Name != name {
				t.Errorf("the exposed namespace is named %q, want %q", n.Name, name)
			}
		}
		if strings.Join(flagged, "; ") != strings.Join(want, "; ") {
			t.Errorf("namespace %d (%s): findings %q, want %q", n.NetNS, n.Name, flagged, want)
		}
	}
	if seen != len(nss) {
		t.Fatalf("%d of the test's %d namespaces in the audit", seen, len(nss))
	}

	out.Reset()
	err = run(t.Context(), append([]string{"listeners", "--check"}, args...), &out, &errb)
	if got := cli.Status(err); got != 3 {
		t.Fatalf("conntab listeners --check -N ×4: status %d (%v), want 3", got, err)
	}
	var warnings []string
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "▲") || strings.HasPrefix(line, "✖") {
			warnings = append(warnings, line)
		}
	}
	if want := "▲ warn  " + name + ": tcp 0.0.0.0:6379 (redis)"; len(warnings) != 1 || warnings[0] != want {
		t.Errorf("warnings %q, want [%q]:\n%s", warnings, want, out.String())
	}
}
