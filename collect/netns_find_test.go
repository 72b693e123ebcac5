package collect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

func TestParseMountInfo(t *testing.T) {
	f, err := os.Open("../testdata/mountinfo/nsfs.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := parseMountInfo(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []nsMount{
		{4026532453, "/run/netns/netns-fc5c7556-b962-8588-4505-d5d83fffce44"},
		{4026533026, "/run/netns/blue"},
		{4026533100, "/run/docker/netns/9d8c7b6a5f4e"},
		{4026533101, "/tmp/with space"},
		{4026533026, "/var/run/netns/blue"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	tbl := nsTable{}
	for _, m := range got {
		tbl.addMount(m)
	}
	tbl.addPID("/proc", 4026533100, 77)
	tbl.addPID("/proc", 4026533200, 88)
	nss := tbl.sorted()
	wantNS := []model.Namespace{
		{Inode: 4026532453, Name: "netns-fc5c7556-b962-8588-4505-d5d83fffce44", Path: "/run/netns/netns-fc5c7556-b962-8588-4505-d5d83fffce44"},
		{Inode: 4026533026, Name: "blue", Path: "/run/netns/blue"},
		{Inode: 4026533100, Path: "/run/docker/netns/9d8c7b6a5f4e", PIDs: []int32{77}},
		{Inode: 4026533101, Path: "/tmp/with space"},
		{Inode: 4026533200, Path: "/proc/88/ns/net", PIDs: []int32{88}},
	}
	if diff := cmp.Diff(wantNS, nss); diff != "" {
		t.Errorf("namespaces (-want +got)\n%s", diff)
	}
}

func TestParseMountInfoHostile(t *testing.T) {
	for _, in := range []string{
		"47 44 0:4 net:[1] /run/netns/x\n",                  // no separator
		"47 44 0:4 net:[1] /run/x\\04 rw - nsfs nsfs rw\n",  // cut escape
		"47 44 0:4 net:[1] /run/x\\999 rw - nsfs nsfs rw\n", // not octal
		"\x1b[2J - nsfs\n",                                  // a terminal's escape
	} {
		_, err := parseMountInfo(strings.NewReader(in))
		if err == nil {
			t.Errorf("accepted %q", in)
			continue
		}
		if strings.ContainsRune(err.Error(), '\x1b') || !strings.Contains(err.Error(), "malformed mountinfo") {
			t.Errorf("%q: error %q", in, err)
		}
	}
}

// FuzzParseMountInfo: never panics; every mount it returns came from an
// nsfs line of a network namespace.
func FuzzParseMountInfo(f *testing.F) {
	files, _ := filepath.Glob("../testdata/mountinfo/*.txt")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		mounts, _ := parseMountInfo(strings.NewReader(string(b)))
		for _, m := range mounts {
			if m.Inode == 0 && !strings.Contains(string(b), "net:[0]") && !strings.Contains(string(b), "net:[00") {
				t.Fatalf("inode 0 from %q", b)
			}
		}
		if !strings.Contains(string(b), "nsfs") && len(mounts) > 0 {
			t.Fatalf("%d mounts from no nsfs line", len(mounts))
		}
	})
}
