package collect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

const (
	podmanID     = "26d1021f810ed2739c2cf66cb2c0f86571957783e70bd533a098d1b166b51d9e"
	dockerID     = "4c01db0b339c1b6f1c3a5e1e1d7b3d2b7f6c9e8a7b6c5d4e3f2a1b0c9d8e7f6a"
	sandboxID    = "b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2"
	appID        = "a1a2a3a4a5a6a7a8a9b0b1b2b3b4b5b6b7b8b9c0c1c2c3c4c5c6c7c8c9d0d1d2"
	crioID       = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
	unknownDock  = "e1e2e3e4e5e6e7e8e9f0f1f2f3f4f5f6f7f8f9a0a1a2a3a4a5a6a7a8a9b0b1b2"
	runtimesRoot = "../testdata/runtimes"
)

// TestNameContainers names namespaces from files laid out as Podman,
// Docker, containerd's CRI and CRI-O write them (testdata/runtimes), with
// the processes' cgroups under a fixture /proc.
func TestNameContainers(t *testing.T) {
	c := New(Config{ProcRoot: filepath.Join(runtimesRoot, "proc"), RuntimeRoot: runtimesRoot})
	nss := []model.Namespace{
		{Inode: 1, PIDs: []int32{1, 101}}, // the host's: pid 1 is in no container
		{Inode: 2, PIDs: []int32{101}},
		{Inode: 3, PIDs: []int32{201}},
		{Inode: 4, PIDs: []int32{301, 302}}, // a pod: its sandbox, then its container
		{Inode: 5, PIDs: []int32{401}},
		{Inode: 6, PIDs: []int32{501}}, // a Docker cgroup whose files are gone
		{Inode: 7, PIDs: []int32{999}}, // a process gone
	}
	c.nameContainers(nss)
	want := []*model.Container{
		nil,
		{Runtime: "podman", ID: podmanID, Name: "ct-probe-1"},
		{Runtime: "docker", ID: dockerID, Name: "shop_web_1"},
		{Runtime: "containerd", ID: sandboxID, Name: "cart", Pod: "cart-5f7b9c-x2x9z", Namespace: "shop"},
		{Runtime: "cri-o", ID: crioID, Name: "api", Pod: "shop-api-7d9f", Namespace: "prod"},
		{Runtime: "docker", ID: unknownDock},
		nil,
	}
	for i, ns := range nss {
		if diff := cmp.Diff(want[i], ns.Container); diff != "" {
			t.Errorf("namespace %d (-want +got)\n%s", ns.Inode, diff)
		}
	}
	labels := []string{"", "ct-probe-1", "shop_web_1", "cart-5f7b9c-x2x9z/cart", "shop-api-7d9f/api", "docker:e1e2e3e4e5e6", ""}
	for i := range nss {
		if got := nss[i].Label(); got != labels[i] {
			t.Errorf("namespace %d: label %q, want %q", nss[i].Inode, got, labels[i])
		}
	}
}

func TestCgroupContainer(t *testing.T) {
	for _, tt := range []struct{ path, runtime, id string }{
		{"/libpod_parent/libpod-" + podmanID, "podman", podmanID},
		{"/machine.slice/libpod-" + podmanID + ".scope/container", "podman", podmanID},
		{"/system.slice/docker-" + dockerID + ".scope", "docker", dockerID},
		{"/docker/" + dockerID, "docker", dockerID},
		{"/kubepods.slice/kubepods-pod1.slice/cri-containerd-" + appID + ".scope", "containerd", appID},
		{"/kubepods.slice/kubepods-pod1.slice/crio-" + crioID + ".scope", "cri-o", crioID},
		{"/kubepods/besteffort/pod1/" + appID, "", appID},
		{"/user.slice/user-1000.slice/session-2.scope", "", ""},
	} {
		if runtime, id := cgroupContainer(tt.path); runtime != tt.runtime || id != tt.id {
			t.Errorf("cgroupContainer(%q) = %q, %q, want %q, %q", tt.path, runtime, id, tt.runtime, tt.id)
		}
	}
}

// Hostile files are refused with an error quoting them; names that are
// anyone's text are kept as they are, for the printers to escape.
func TestRuntimeFilesHostile(t *testing.T) {
	for _, tt := range []struct {
		name  string
		parse func([]byte) error
		in    string
	}{
		{"storage not json", func(b []byte) error { _, err := parseContainersJSON(b); return err }, "\x1b[31mnot json"},
		{"storage bad id", func(b []byte) error { _, err := parseContainersJSON(b); return err }, `[{"id":"../../etc","names":["x"]}]`},
		{"docker bad id", func(b []byte) error { _, err := parseDockerConfig(b); return err }, `{"ID":"zz","Name":"/x"}`},
		{"docker cut", func(b []byte) error { _, err := parseDockerConfig(b); return err }, `{"ID":"`},
		{"bundle not an object", func(b []byte) error { _, err := parseBundleConfig(b); return err }, `[1,2]`},
	} {
		err := tt.parse([]byte(tt.in))
		if err == nil {
			t.Errorf("%s: accepted %q", tt.name, tt.in)
			continue
		}
		if !strings.Contains(err.Error(), "malformed container runtime file") || strings.ContainsRune(err.Error(), '\x1b') {
			t.Errorf("%s: error %q: want ErrRuntimeFile quoting the input, escaped", tt.name, err)
		}
	}
	m, err := parseContainersJSON([]byte(`[{"id":"` + podmanID + `","names":["\u001b]0;pwned\u0007"]}]`))
	if err != nil || m[podmanID].Name != "\x1b]0;pwned\x07" {
		t.Errorf("a hostile name: %q, %v; want it kept for the printers to escape", m[podmanID].Name, err)
	}
}

// FuzzRuntimeFiles: the runtimes' parsers never panic, and what they
// accept has a container id of 64 hex digits (storage, Docker).
func FuzzRuntimeFiles(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(runtimesRoot, "*/*/*/*/*/*.json"))
	more, _ := filepath.Glob(filepath.Join(runtimesRoot, "run/containerd/*/*/*/config.json"))
	for _, p := range append(files, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	if len(files)+len(more) < 4 {
		f.Fatalf("seeds: %v %v", files, more)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := parseContainersJSON(b); err == nil {
			for id, c := range m {
				if len(id) != 64 || !isHex(id) || c.ID != id {
					t.Fatalf("storage id %q for %+v", id, c)
				}
			}
		} else if !utf8.ValidString(err.Error()) && utf8.Valid(b) {
			t.Fatalf("error %q", err)
		}
		if c, err := parseDockerConfig(b); err == nil && (len(c.ID) != 64 || !isHex(c.ID)) {
			t.Fatalf("docker id %q", c.ID)
		}
		_, _ = parseBundleConfig(b)
		_, _ = kubeName(string(b))
	})
}
