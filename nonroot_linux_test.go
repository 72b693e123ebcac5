package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/render"
)

// TestKernelWithoutRoot: an unprivileged user lists every socket of its
// namespace, from netlink and from /proc, exactly as root does, and is told
// plainly when it asks for what needs root.
func TestKernelWithoutRoot(t *testing.T) {
	ns := nstest.Require(t)
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv (util-linux) is not installed: .ci/run installs it")
	}
	k, err := nstest.BuildKnownSet(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()

	// The test binary, where user nobody may run it.
	dir, err := os.MkdirTemp("", "conntab-nonroot")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "conntab")
	if err := copyFile(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	asNobody := func(args ...string) (stdout, stderr string, err error) {
		cmd := ns.Command("setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", bin}, args...)...)
		cmd.Env = append(os.Environ(), "CONNTAB_TEST_RUN_MAIN=1")
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err = cmd.Run()
		return o.String(), e.String(), err
	}

	for _, source := range []string{"netlink", "proc"} {
		t.Run(source, func(t *testing.T) {
			var got, want []string
			for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				out, errOut, err := asNobody("list", "-a", "--json", "--source", source)
				if err != nil {
					t.Fatalf("as nobody: %v: %s", err, errOut)
				}
				got = jsonTuples(t, out)
				want = tuples(listJSON(t, "-a", "-N", ns.Path(), "--source", source))
				if slices.Equal(got, want) || time.Now().After(deadline) {
					break
				}
			}
			if len(want) < len(k.Want)-1 {
				t.Fatalf("root listed %d sockets, want the %d of the known set", len(want), len(k.Want))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-root +nobody)\n%s", diff)
			}
		})
	}

	// The audit lists the same listeners as root's, says their processes
	// are hidden (they are root's), and judges no program.
	t.Run("listeners", func(t *testing.T) {
		out, errOut, err := asNobody("listeners", "--json")
		if err != nil {
			t.Fatalf("as nobody: %v: %s", err, errOut)
		}
		var nobody render.ListenersJSON
		if err := json.Unmarshal([]byte(out), &nobody); err != nil {
			t.Fatal(err)
		}
		root, _ := listenersJSON(t, ns)
		local := func(j render.ListenersJSON) []string {
			var l []string
			for _, x := range j.Listeners {
				l = append(l, x.Proto+" "+joinHostPort(x.Local.Addr, x.Local.Port)+" "+x.Scope)
			}
			slices.Sort(l)
			return l
		}
		if diff := cmp.Diff(local(root), local(nobody)); diff != "" || len(root.Listeners) == 0 {
			t.Errorf("listeners (-root +nobody)\n%s", diff)
		}
		if nobody.Unowned != len(nobody.Listeners) || root.Unowned != 0 {
			t.Errorf("unowned: nobody %d of %d, root %d; want all hidden from nobody, none from root", nobody.Unowned, len(nobody.Listeners), root.Unowned)
		}
		for _, f := range nobody.Findings {
			if f.Kind == "unexpected-program" {
				t.Errorf("nobody judged a program it cannot see: %+v", f)
			}
		}
		text, _, err := asNobody("listeners")
		if err != nil || !strings.Contains(strings.Join(strings.Fields(text), " "), "other users' processes are seen only as root") {
			t.Errorf("text as nobody (%v) does not say why processes are missing:\n%s", err, text)
		}
	})

	// One scrape of the exporter, as nobody: whole, from netlink.
	t.Run("serve --once", func(t *testing.T) {
		out, errOut, err := asNobody("serve", "--once")
		if err != nil {
			t.Fatalf("as nobody: %v: %s", err, errOut)
		}
		for _, want := range []string{"conntab_collect_success 1", `conntab_collect_source{source="netlink"} 1`, `conntab_sockets{family="inet",proto="tcp",state="LISTEN"} `} {
			if !strings.Contains(out, want) {
				t.Errorf("no %q in\n%s", want, out)
			}
		}
	})

	t.Run("another namespace", func(t *testing.T) {
		_, errOut, err := asNobody("list", "-N", "/proc/1/ns/net")
		if code := exitStatus(err); code != 1 || !strings.Contains(errOut, "needs root") {
			t.Errorf("exit %d, stderr %q: want 1 and a plain word that it needs root", code, errOut)
		}
	})
}

func jsonTuples(t *testing.T, ndjson string) []string {
	t.Helper()
	var out bytes.Buffer
	out.WriteString(ndjson)
	return tuples(decodeNDJSON(t, &out))
}

func exitStatus(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
