package main

import (
	"bytes"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conntab/conntab/cli"
)

// TestKill is issue 20's closing of sockets. In a namespace of its own, a
// server on :7000 closes every connection at once, so the 5 clients that
// keep theirs open wait in CLOSE_WAIT; 3 more connections to :7001 stay
// open at both ends. conntab kill state close-wait dport = :7000 lists the
// 5 and closes nothing; with --yes it closes exactly them: ss finds none
// left, and the 6 ESTABLISHED sockets and both listeners are still there.
// As user nobody it closes nothing and says why in one line, exit 1.
func TestKill(t *testing.T) {
	p := newPortsNS(t)
	closer, err := p.ns.Listen("tcp", "127.0.0.1:7000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closer.Close() })
	go func() {
		for {
			c, err := closer.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	p.serve("127.0.0.1:7001")
	p.hold(5, netip.MustParseAddrPort("127.0.0.1:7000"), netip.Addr{})
	p.hold(3, netip.MustParseAddrPort("127.0.0.1:7001"), netip.Addr{})
	p.ssCount(t, "state close-wait", 5)

	filter := []string{"state", "close-wait", "dport", "=", ":7000"}
	out, errb := p.conntab(t, 0, append([]string{"kill", "-N", p.ns.Path()}, filter...)...)
	if n := strings.Count(out, "CLOSE_WAIT"); n != 5 || !strings.Contains(errb, "5 sockets selected, none closed") {
		t.Errorf("without --yes: %d CLOSE_WAIT rows listed, stderr %q; want 5 and none closed\n%s", n, errb, out)
	}
	p.ssCount(t, "state close-wait", 5)

	// As nobody: the kernel refuses, in one line.
	bin := filepath.Join(t.TempDir(), "conntab")
	if err := copyFile(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(bin), 0o755); err == nil {
		if _, err := exec.LookPath("setpriv"); err == nil {
			cmd := p.ns.Command("setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", bin, "kill", "--yes"}, filter...)...)
			cmd.Env = append(os.Environ(), "CONNTAB_TEST_RUN_MAIN=1")
			var e bytes.Buffer
			cmd.Stderr = &e
			err := cmd.Run()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || strings.Count(e.String(), "\n") != 1 || !strings.Contains(e.String(), "CAP_NET_ADMIN") {
				t.Errorf("as nobody: %v, stderr %q; want exit 1 and one line naming CAP_NET_ADMIN", err, e.String())
			}
			p.ssCount(t, "state close-wait", 5)
		}
	}

	_, errb = p.conntab(t, 0, append([]string{"kill", "-N", p.ns.Path(), "--yes"}, filter...)...)
	if n := strings.Count(errb, "conntab kill: closed tcp CLOSE_WAIT"); n != 5 {
		t.Errorf("--yes: %d closed lines on stderr, want 5:\n%s", n, errb)
	}
	p.ssCount(t, "state close-wait", 0)
	p.ssCount(t, "state established", 6)
	p.ssCount(t, "state listening", 2)

	// A listener needs --force.
	if _, errb := p.conntab(t, 2, "kill", "-N", p.ns.Path(), "--yes", "sport", "=", ":7001"); !strings.Contains(errb, "--force") {
		t.Errorf("a filter selecting a listener: stderr %q, want it to ask for --force", errb)
	}
	p.ssCount(t, "state listening", 2)
}

// conntab runs conntab in the test's process and checks its exit status.
func (p *portsNS) conntab(t *testing.T, status int, args ...string) (stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(t.Context(), args, &out, &errb)
	if err != nil {
		errb.WriteString(err.Error())
	}
	if got := cli.Status(err); got != status {
		t.Fatalf("conntab %s: exit %d (%v), want %d\nstderr: %s", strings.Join(args, " "), got, err, status, errb.String())
	}
	return out.String(), errb.String()
}

// ssCount checks that ss counts want TCP sockets in the namespace for
// the state filter given, retrying for a second while resets land.
func (p *portsNS) ssCount(t *testing.T, filter string, want int) {
	t.Helper()
	var got int
	for deadline := time.Now().Add(time.Second); ; time.Sleep(50 * time.Millisecond) {
		out, err := p.ns.Command("ss", append([]string{"-Htan"}, strings.Fields(filter)...)...).Output()
		if err != nil {
			t.Fatalf("ss -Htan %s: %v", filter, err)
		}
		got = strings.Count(string(out), "\n")
		if got == want || time.Now().After(deadline) {
			break
		}
	}
	if got != want {
		t.Errorf("ss -tan %s: %d sockets, want %d", filter, got, want)
	}
}
