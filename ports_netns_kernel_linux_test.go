package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/render"
)

// fillPool gives ns a 20-port range (41000-41019) and holds all 20 ports
// in connections to one destination, 127.0.0.1:9000, so that its pool to
// it is full; and names it as `ip netns add` does (a bind mount on
// /run/netns/netns-INODE), which it returns.
func fillPool(t *testing.T, ns *nstest.NS) string {
	t.Helper()
	if err := ns.Sysctl("net.ipv4.ip_local_port_range", "41000 41019"); err != nil {
		t.Fatal(err)
	}
	l, err := ns.Listen("tcp4", "127.0.0.1:9000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	for range 20 {
		c, err := ns.Dial("tcp4", "127.0.0.1:9000")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		s, err := l.Accept()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if p := c.LocalAddr().(*net.TCPAddr).Port; p < 41000 || p > 41019 {
			t.Fatalf("client port %d outside 41000-41019", p)
		}
	}
	return nameNS(t, ns)
}

// nameNS names ns as `ip netns add` does, with a bind mount on
// /run/netns/netns-INODE (removed when the test ends), and returns the
// name.
func nameNS(t *testing.T, ns *nstest.NS) string {
	t.Helper()
	if err := os.MkdirAll("/run/netns", 0o755); err != nil {
		t.Fatal(err)
	}
	path, unmount, err := ns.BindMount("/run/netns")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unmount() })
	return path[len("/run/netns/"):]
}

// TestKernelPortsAllNamespaces: of 20 namespaces of the test's own, one
// has its 20-port pool full; `conntab ports -N all --check` exits 4
// (critical), and its findings name that namespace, by its ip netns name,
// and no other of the 20 has a warning or worse, in the JSON and in the
// text. The host's other namespaces are not this test's to judge.
func TestKernelPortsAllNamespaces(t *testing.T) {
	nss := manyNamespaces(t, 20)
	full := nss[7] // one kept by a process, named besides
	name := fillPool(t, full)
	ours := map[uint32]bool{}
	for _, ns := range nss {
		ours[uint32(ns.Inode())] = true
	}

	var out, errb bytes.Buffer
	err := run(t.Context(), []string{"ports", "-N", "all", "--check", "--json"}, &out, &errb)
	if got := cli.Status(err); got != 4 {
		t.Fatalf("conntab ports -N all --check --json: status %d (%v), want 4; stderr %q", got, err, errb.String())
	}
	var doc render.PortsNamespacesJSON
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	seen := 0
	for _, n := range doc.Namespaces {
		if !ours[n.NetNS] {
			continue
		}
		seen++
		var flagged []string
		for _, f := range n.Findings {
			if f.Severity == "warn" || f.Severity == "crit" {
				flagged = append(flagged, f.Severity+" "+f.Kind+" "+f.Subject)
			}
		}
		if n.NetNS != uint32(full.Inode()) {
			if len(flagged) > 0 || n.Severity == "warn" || n.Severity == "crit" {
				t.Errorf("namespace %d (%s) is not full, yet: %q", n.NetNS, n.Name, flagged)
			}
			continue
		}
		if n.Name != name || n.IPNetNS != name || n.Severity != "crit" || n.Ephemeral.Lo != 41000 || n.Ephemeral.Usable != 20 {
			t.Errorf("the full namespace: name %q, ip netns %q, severity %s, range %d usable %d; want %q, crit, 41000, 20",
				n.Name, n.IPNetNS, n.Severity, n.Ephemeral.Lo, n.Ephemeral.Usable, name)
		}
		if want := "crit pool 127.0.0.1 → 127.0.0.1:9000"; len(flagged) != 1 || flagged[0] != want {
			t.Errorf("the full namespace's findings: %q, want [%q]", flagged, want)
		}
	}
	if seen != len(nss) {
		t.Fatalf("%d of the test's %d namespaces in the report", seen, len(nss))
	}

	out.Reset()
	err = run(t.Context(), []string{"ports", "-N", "all", "--check"}, &out, &errb)
	if got := cli.Status(err); got != 4 {
		t.Fatalf("conntab ports -N all --check: status %d (%v), want 4", got, err)
	}
	_, findings, _ := strings.Cut(out.String(), "\nFINDINGS\n")
	crit := 0
	for _, line := range strings.Split(findings, "\n") {
		if !strings.HasPrefix(line, "✖") && !strings.HasPrefix(line, "▲") {
			continue
		}
		for ino := range ours {
			if ino != uint32(full.Inode()) && strings.Contains(line, strconv.FormatUint(uint64(ino), 10)) {
				t.Errorf("a finding names namespace %d, which is not full: %q", ino, line)
			}
		}
		if strings.Contains(line, name+": ") {
			crit++
			if want := fmt.Sprintf("✖ crit  %s: 127.0.0.1 → 127.0.0.1:9000", name); line != want {
				t.Errorf("the full namespace's finding: %q, want %q", line, want)
			}
		}
	}
	if crit != 1 {
		t.Errorf("%d findings name %s, want 1:\n%s", crit, name, out.String())
	}
}
