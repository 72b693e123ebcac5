package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/render"
)

// TestKernelAllWithoutRoot: without root, -N all lists the user's own
// namespace, and says once what it could not enter and why; the other
// namespace (a bind mount anyone can see in mountinfo) is not an error.
func TestKernelAllWithoutRoot(t *testing.T) {
	ns := nstest.Require(t)
	other := nstest.Require(t)
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv (util-linux) is not installed: .ci/run installs it")
	}
	l, err := ns.Listen("tcp4", "127.0.0.1:8001")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ol, err := other.Listen("tcp4", "127.0.0.1:8009")
	if err != nil {
		t.Fatal(err)
	}
	defer ol.Close()
	dir, err := os.MkdirTemp("", "conntab-nonroot")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	_, unmount, err := other.BindMount(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer unmount()
	bin := filepath.Join(dir, "conntab")
	if err := copyFile(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := ns.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin, "list", "-a", "-N", "all", "--json")
	cmd.Env = append(os.Environ(), "CONNTAB_TEST_RUN_MAIN=1")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("conntab list -a -N all as nobody: %v\n%s", err, e.String())
	}
	var n int
	sc := bufio.NewScanner(&o)
	for sc.Scan() {
		var j render.SocketJSON
		if err := json.Unmarshal(sc.Bytes(), &j); err != nil {
			t.Fatal(err)
		}
		if j.NetNS != uint32(ns.Inode()) {
			t.Errorf("a socket of namespace %d, not nobody's own %d: %s", j.NetNS, ns.Inode(), sc.Bytes())
		}
		n++
	}
	if n != 1 {
		t.Errorf("%d sockets listed, want nobody's namespace's one listener", n)
	}
	stderr := e.String()
	if strings.Count(stderr, "could not enter") != 1 || !strings.Contains(stderr, "CAP_SYS_ADMIN") {
		t.Errorf("stderr does not say once what could not be entered and why:\n%s", stderr)
	}
}
