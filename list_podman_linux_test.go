package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/conntab/conntab/render"
)

// TestPodmanContainerNamed: a real Podman container's sockets, listed
// with -N all, carry the container as Podman names it (podman ps), read
// from containers/storage's files without asking Podman. The container
// is the test's own (a static server in an empty root) and is removed
// afterwards.
func TestPodmanContainerNamed(t *testing.T) {
	if _, err := exec.LookPath("podman"); err != nil {
		t.Skip("podman is not installed (apt-get install podman runc): the container test needs it")
	}
	if os.Geteuid() != 0 {
		t.Skip("the Podman test runs a root container: run as root")
	}
	root := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(root, "ctserver"), "./testdata/ctserver")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the container's server: %v\n%s", err, out)
	}
	name := "ct-test-" + strings.ToLower(rand.Text()[:8])
	podman := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("podman", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	id := podman("--runtime", "runc", "--cgroup-manager", "cgroupfs", "run", "-d", "--name", name,
		"--ulimit", "nofile=10000:10000", "--ulimit", "nproc=4096:4096", "--network", "bridge",
		"--rootfs", root, "/ctserver")
	t.Cleanup(func() { exec.Command("podman", "rm", "-f", "-t", "0", id).Run() })
	if _, err := hex.DecodeString(id); err != nil || len(id) != 64 {
		t.Fatalf("podman run said %q, not a container id", id)
	}
	shown := podman("ps", "--filter", "id="+id, "--format", "{{.Names}}")
	if shown != name {
		t.Fatalf("podman ps shows %q, the test named it %q", shown, name)
	}
	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"list", "-a", "-N", "all", "--json"}, &out, &errb); err != nil {
		t.Fatalf("conntab list -a -N all --json: %v (stderr %q)", err, errb.String())
	}
	var got []string
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var j render.SocketJSON
		if err := json.Unmarshal(sc.Bytes(), &j); err != nil {
			t.Fatal(err)
		}
		if j.Container == nil || j.Container.ID != id {
			continue
		}
		if j.Container.Name != shown || j.Container.Runtime != "podman" {
			t.Errorf("container %+v, want podman's %q", *j.Container, shown)
		}
		got = append(got, j.State+" "+j.Local.Addr+":"+strconv.Itoa(int(j.Local.Port))+" "+j.Remote.Addr+":"+strconv.Itoa(int(j.Remote.Port)))
	}
	slices.Sort(got)
	// The listener and the two ends of its connection to itself.
	if len(got) != 3 || !strings.HasPrefix(got[2], "LISTEN 0.0.0.0:7777 ") ||
		!strings.Contains(got[0], ":7777") || !strings.Contains(got[1], ":7777") {
		t.Errorf("the container's sockets: %q, want LISTEN on 0.0.0.0:7777 and a connection to it", got)
	}
}
