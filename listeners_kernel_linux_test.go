package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
)

// listenersNS is the namespace: 0.0.0.0:6379 held by redis-server,
// 127.0.0.1:5432 by postgres, a dual-stack listener on port 22 held by a
// program that is not sshd, a UDP socket on the wildcard, and a listener
// inside the ephemeral range (40000-40199), the last two held by the test.
func listenersNS(t *testing.T) *nstest.NS {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace and see its processes")
	}
	ns, err := nstest.Create()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Close() })
	if err := ns.Sysctl("net.ipv4.ip_local_port_range", "40000 40199"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ comm, network, addr string }{
		{"redis-server", "tcp4", "0.0.0.0:6379"},
		{"postgres", "tcp4", "127.0.0.1:5432"},
		{"not-sshd", "tcp", "[::]:22"}, // Go's "tcp" on [::]: dual-stack
	} {
		_, stop, err := nstest.StartNamed(ns, c.comm, c.network, c.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
	}
	pc, err := ns.ListenPacket("udp4", "0.0.0.0:5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	ln, err := ns.Listen("tcp4", "0.0.0.0:40100")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ns
}

// listenersJSON runs `conntab listeners -N ns --json [args]`.
func listenersJSON(t *testing.T, ns *nstest.NS, args ...string) (render.ListenersJSON, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(t.Context(), append([]string{"listeners", "-N", ns.Path(), "--json"}, args...), &out, &errb)
	status := cli.Status(err)
	if status != 0 && status != 3 && status != 4 {
		t.Fatalf("conntab listeners: %v (exit %d)\nstderr: %s", err, status, errb.String())
	}
	var j render.ListenersJSON
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		t.Fatal(err)
	}
	return j, status
}

// TestListenersAudit is issue 7's acceptance: the audit of listenersNS
// reports exactly its five listeners with their scopes and owners, and
// exactly three findings, agreeing with ss on what listens.
func TestListenersAudit(t *testing.T) {
	ns := listenersNS(t)
	j, status := listenersJSON(t, ns, "--check")

	type row struct {
		Listener, Scope, Procs string
		Privileged             bool
		Flags                  []string
	}
	var got []row
	for _, l := range j.Listeners {
		var procs []string
		for _, p := range l.Processes {
			procs = append(procs, p.Comm)
		}
		var flags []string
		for _, f := range l.Findings {
			flags = append(flags, f.Severity+" "+f.Kind)
		}
		got = append(got, row{l.Proto + " " + l.Local.Addr + " " + strconv.Itoa(int(l.Local.Port)), l.Scope, strings.Join(procs, ","), l.Privileged, flags})
	}
	test := filepath.Base(os.Args[0]) // the test binary's name, cut as comm is
	if len(test) > 15 {
		test = test[:15]
	}
	want := []row{
		{"tcp 0.0.0.0 6379", "all (IPv4)", "redis-server", false, []string{"warn exposed"}},
		{"tcp :: 22", "all (dual-stack)", "not-sshd", true, []string{"notice unexpected-program"}},
		{"tcp 0.0.0.0 40100", "all (IPv4)", test, false, []string{"notice port-in-range"}},
		{"tcp 127.0.0.1 5432", "loopback", "postgres", false, nil},
		{"udp 0.0.0.0 5000", "all (IPv4)", test, false, nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("listeners (-want +got)\n%s", diff)
	}
	var findings []string
	for _, f := range j.Findings {
		findings = append(findings, f.Severity+" "+f.Kind+" "+f.Subject)
	}
	wantFindings := []string{
		"warn exposed tcp 0.0.0.0:6379 (redis)",
		"notice unexpected-program tcp [::]:22 (ssh)",
		"notice port-in-range tcp 0.0.0.0:40100",
	}
	if diff := cmp.Diff(wantFindings, findings); diff != "" {
		t.Errorf("findings (-want +got)\n%s", diff)
	}
	if j.Severity != "warn" || status != 3 {
		t.Errorf("severity %q, --check exit %d; want warn, 3", j.Severity, status)
	}
	if j.Unowned != 0 || !j.Processes {
		t.Errorf("processes %v, unowned %d; want every listener's owner seen", j.Processes, j.Unowned)
	}

	// ss lists the same listeners, and spells the dual-stack one "*".
	fromSS, err := nstest.SS(ns)
	if err != nil {
		t.Skipf("no ss to compare with: %v", err)
	}
	var bySS, byUs []string
	for _, s := range fromSS {
		if audit.IsListener(&s) {
			bySS = append(bySS, s.Proto.String()+" "+s.Local.String()+" "+model.Scope(&s).String())
		}
	}
	for _, l := range j.Listeners {
		byUs = append(byUs, l.Proto+" "+joinHostPort(l.Local.Addr, l.Local.Port)+" "+l.Scope)
	}
	slices.Sort(bySS)
	slices.Sort(byUs)
	if diff := cmp.Diff(bySS, byUs); diff != "" {
		t.Errorf("conntab and ss disagree (-ss +conntab)\n%s", diff)
	}
}

// TestListenersRules: a rules file that expects the odd program on 22 and
// says 6379 is public on purpose leaves only the port in the range, a
// notice, so --check passes; the text names the flags.
func TestListenersRules(t *testing.T) {
	ns := listenersNS(t)
	rules := filepath.Join(t.TempDir(), "rules")
	if err := os.WriteFile(rules, []byte("expect 22/tcp not-sshd\npublic 6379/tcp # behind the firewall\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	j, status := listenersJSON(t, ns, "--check", "--rules", rules)
	if len(j.Findings) != 1 || j.Findings[0].Kind != "port-in-range" || status != 0 {
		t.Errorf("with the rules: findings %+v, exit %d; want the port in the range alone, exit 0", j.Findings, status)
	}

	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"listeners", "-N", ns.Path()}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	for _, want := range []string{"▲ EXPOSED", "• PROGRAM", "• IN RANGE", "redis-server/", "not-sshd/", "all (dual-stack)", "\nFINDINGS\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, out.String())
		}
	}
}

// joinHostPort is a JSON endpoint as netip writes it: "[::]:22".
func joinHostPort(addr string, port uint16) string {
	return netip.AddrPortFrom(netip.MustParseAddr(addr), port).String()
}
