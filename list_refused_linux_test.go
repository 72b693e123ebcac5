package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/conntab/conntab/internal/nstest"
)

// runSandboxed runs the test binary as conntab with args inside ns, in a
// seccomp sandbox that refuses sock_diag (refuseSockDiag); it skips t
// where there is no such sandbox.
func runSandboxed(t *testing.T, ns *nstest.NS, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	cmd := ns.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "CONNTAB_TEST_RUN_MAIN=1", "CONNTAB_TEST_REFUSE_SOCK_DIAG=1")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		status = exit.ExitCode()
	case err != nil:
		t.Fatalf("conntab %s: %v", strings.Join(args, " "), err)
	}
	if status == 125 {
		t.Skipf("no sandbox: %s", e.String())
	}
	return o.String(), e.String(), status
}

// TestKernelNetlinkRefused: where sock_diag is refused, `--source netlink`
// writes nothing on stdout, in any format, and exits 1 saying why on
// stderr; the default source falls back to /proc, says so, and lists.
func TestKernelNetlinkRefused(t *testing.T) {
	ns := nstest.Require(t)
	l, err := ns.Listen("tcp4", "127.0.0.1:8001")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, args := range [][]string{
		{"list", "--source", "netlink"},
		{"list", "-l", "--source", "netlink"},
		{"list", "-l", "--source", "netlink", "--json"},
		{"list", "-l", "--source", "netlink", "--csv"},
		{"list", "-s", "--source", "netlink"},
		{"list", "-s", "--source", "netlink", "--json"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, errOut, status := runSandboxed(t, ns, args...)
			if status != 1 || out != "" {
				t.Errorf("exit %d, stdout %q; want exit 1 and nothing on stdout", status, out)
			}
			if !strings.Contains(errOut, "sock_diag") || !strings.Contains(errOut, "operation not permitted") {
				t.Errorf("stderr %q does not say that sock_diag was refused", errOut)
			}
		})
	}
	t.Run("auto", func(t *testing.T) {
		out, errOut, status := runSandboxed(t, ns, "list", "-l", "-H")
		if status != 0 || !strings.Contains(out, "127.0.0.1:8001") {
			t.Errorf("exit %d, stdout %q; want the listener, exit 0", status, out)
		}
		if !strings.Contains(errOut, "reading /proc/net instead") {
			t.Errorf("stderr %q does not say that /proc was read", errOut)
		}
	})
}
