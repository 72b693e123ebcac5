package collect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCgroupAndContainer(t *testing.T) {
	for _, tt := range []struct {
		file, path, container string
	}{
		{"docker-v2.txt", "/system.slice/docker-4f1c8b2e9a7d3c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b.scope", "4f1c8b2e9a7d3c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b"},
		{"docker-v1.txt", "/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
		{"containerd.txt", "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/cri-containerd-" + strings.Repeat("a", 64) + ".scope", strings.Repeat("a", 64)},
		{"podman.txt", "/machine.slice/libpod-" + strings.Repeat("b", 64) + ".scope/container", strings.Repeat("b", 64)},
		{"session.txt", "/user.slice/user-1000.slice/session-3.scope", ""},
	} {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "testdata", "cgroup", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			path := parseCgroup(b)
			if path != tt.path {
				t.Errorf("path %q, want %q", path, tt.path)
			}
			if got := containerID(path); got != tt.container {
				t.Errorf("container %q, want %q", got, tt.container)
			}
		})
	}
}

func TestParseCmdline(t *testing.T) {
	for in, want := range map[string][]string{
		"nginx\x00-g\x00daemon off;\x00":    {"nginx", "-g", "daemon off;"},
		"nginx: worker process\x00\x00\x00": {"nginx: worker process"},
		"":                                  nil,
		"\x1b[2J\x00":                       {"\x1b[2J"},
	} {
		if diff := cmp.Diff(want, parseCmdline([]byte(in))); diff != "" {
			t.Errorf("%q (-want +got)\n%s", in, diff)
		}
	}
}

// FuzzProcessDetail: the parsers never panic, and a container id is
// always 64 hex digits that stand in the path.
func FuzzProcessDetail(f *testing.F) {
	files, _ := filepath.Glob("../testdata/cgroup/*.txt")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		parseCmdline(b)
		path := parseCgroup(b)
		if id := containerID(path); id != "" && (len(id) != 64 || !isHex(id) || !strings.Contains(path, id)) {
			t.Fatalf("container %q from %q", id, path)
		}
	})
}
