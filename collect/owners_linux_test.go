package collect

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

// writeTree makes files under root from paths relative to it: a value
// starting with "-> " makes a symbolic link to the rest, "/" a directory,
// anything else a file with that content.
func writeTree(t *testing.T, root string, tree map[string]string) {
	t.Helper()
	for path, v := range tree {
		p := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case strings.HasPrefix(v, "-> "):
			err = os.Symlink(strings.TrimPrefix(v, "-> "), p)
		case v == "/":
			err = os.MkdirAll(p, 0o755)
		default:
			err = os.WriteFile(p, []byte(v), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// allOwners returns every entry of o, asking it for each number that
// appears in links (so that a wrong inode read from "socket:[12x]", say,
// shows up), sorted as NewOwners sorts, and fails if o holds entries for any other inode.
func allOwners(t *testing.T, o *model.Owners, links []string) []model.Owner {
	t.Helper()
	seen := map[uint64]bool{}
	var got []model.Owner
	for _, l := range links {
		for _, digits := range regexp.MustCompile(`[0-9]+`).FindAllString(l, -1) {
			ino, err := strconv.ParseUint(strings.TrimLeft(digits, "0"), 10, 64)
			if err != nil || seen[ino] {
				continue
			}
			seen[ino] = true
			got = append(got, o.Of(ino)...)
		}
	}
	if len(got) != o.Len() {
		t.Errorf("Owners holds %d entries, %d of them for inodes named in the links", o.Len(), len(got))
	}
	slices.SortFunc(got, compareOwners)
	return got
}

// links is every link target in tree.
func links(tree map[string]string) []string {
	var out []string
	for _, v := range tree {
		if l, ok := strings.CutPrefix(v, "-> "); ok {
			out = append(out, l)
		}
	}
	return out
}

func TestReadOwnersFixture(t *testing.T) {
	// manySockets is a process holding more descriptors than one chunk.
	manySockets := func(pid, n int, first uint64) (map[string]string, []model.Owner) {
		tree := map[string]string{fmt.Sprintf("%d/comm", pid): "many\n"}
		var want []model.Owner
		for i := range n {
			fd := 3 + i
			tree[fmt.Sprintf("%d/fd/%d", pid, fd)] = fmt.Sprintf("-> socket:[%d]", first+uint64(i))
			want = append(want, model.Owner{Inode: first + uint64(i), PID: int32(pid), FD: int32(fd), Comm: "many"})
		}
		return tree, want
	}
	many1, wantMany1 := manySockets(77, 3*fdChunk+5, 10000)
	many2, wantMany2 := manySockets(78, fdChunk+1, 20000)
	many := map[string]string{}
	for k, v := range many1 {
		many[k] = v
	}
	for k, v := range many2 {
		many[k] = v
	}

	tests := []struct {
		name       string
		tree       map[string]string
		want       []model.Owner
		wantHidden int
		wantErr    string
	}{
		{
			name: "sockets among other descriptors",
			tree: map[string]string{
				"1/comm": "init\n",
				"1/fd/0": "-> socket:[123]",
				"1/fd/1": "-> pipe:[9]",
				"1/fd/2": "-> /dev/null",
				"1/fd/3": "-> anon_inode:[eventfd]",
				"1/fd/4": "-> socket:[12x]",
				"1/fd/5": "-> socket:[0123]",
				"1/fd/6": "-> /tmp/socket:[77]",
				"1/fd/7": "-> socket:[456]",
				"1/fd/8": "-> /a/path/longer/than/sixty/four/bytes/so/that/it/fills/the/buffer/socket:[5]",
			},
			want: []model.Owner{
				{Inode: 123, PID: 1, FD: 0, Comm: "init"},
				{Inode: 456, PID: 1, FD: 7, Comm: "init"},
			},
		},
		{
			name: "a socket shared by two processes",
			tree: map[string]string{
				"1/comm":  "init\n",
				"1/fd/3":  "-> socket:[123]",
				"22/comm": "\x1b[31mevil\n",
				"22/fd/7": "-> socket:[123]",
				"22/fd/8": "-> socket:[123]",
			},
			want: []model.Owner{
				{Inode: 123, PID: 1, FD: 3, Comm: "init"},
				{Inode: 123, PID: 22, FD: 7, Comm: "\x1b[31mevil"},
				{Inode: 123, PID: 22, FD: 8, Comm: "\x1b[31mevil"},
			},
		},
		{
			name: "only all-digit names are processes",
			tree: map[string]string{
				"22/comm":          "sshd\n",
				"22/fd/3":          "-> socket:[5]",
				"self":             "-> 22",
				"thread-self":      "-> 22/task/22",
				"22/task/22/fd/3":  "-> socket:[5]",
				"1a/comm":          "no\n",
				"1a/fd/0":          "-> socket:[999]",
				"net/fd/0":         "-> socket:[998]",
				"2147483648/comm":  "overflow\n",
				"2147483648/fd/0":  "-> socket:[997]",
				"cpuinfo":          "processor : 0\n",
				"22/fdinfo/3":      "pos: 0\n",
				"22/task/22/comm":  "sshd\n",
				"22/fd/notanumber": "-> socket:[996]",
			},
			want: []model.Owner{{Inode: 5, PID: 22, FD: 3, Comm: "sshd"}},
		},
		{
			name: "names kept byte for byte",
			tree: map[string]string{
				"1/comm": "a\n\n",
				"1/fd/0": "-> socket:[1]",
				"2/comm": "no newline",
				"2/fd/0": "-> socket:[2]",
				"3/comm": "\xff\xfe\x00\x9b[2J\n",
				"3/fd/0": "-> socket:[3]",
				"4/comm": "\n",
				"4/fd/0": "-> socket:[4]",
			},
			want: []model.Owner{
				{Inode: 1, PID: 1, FD: 0, Comm: "a\n"},
				{Inode: 2, PID: 2, FD: 0, Comm: "no newline"},
				{Inode: 3, PID: 3, FD: 0, Comm: "\xff\xfe\x00\x9b[2J"},
				{Inode: 4, PID: 4, FD: 0, Comm: ""},
			},
		},
		{
			name: "processes that went away",
			tree: map[string]string{
				"1/comm":  "init\n",
				"1/fd/0":  "-> socket:[1]",
				"333/":    "/", // exited before its fd directory was opened
				"44/fd/0": "-> socket:[44]",
				// 44 has no comm: it exited before its name was read
				"55/comm": "nofds\n",
				"55/fd/":  "/",
			},
			want: []model.Owner{{Inode: 1, PID: 1, FD: 0, Comm: "init"}},
		},
		{
			name: "descriptors that are no links",
			tree: map[string]string{
				"1/comm":  "init\n",
				"1/fd/9":  "a regular file",
				"1/fd/10": "/",
				"1/fd/11": "-> socket:[889]",
			},
			want: []model.Owner{{Inode: 889, PID: 1, FD: 11, Comm: "init"}},
		},
		{
			name: "descriptors in chunks over both workers",
			tree: many,
			want: append(wantMany1, wantMany2...),
		},
		{
			name: "no processes",
			tree: map[string]string{"self": "-> 1", "net/": "/"},
		},
		{
			name: "an error the walk cannot explain",
			tree: map[string]string{
				"1/comm": "init\n",
				"1/fd/0": "-> socket:[1]",
				"88/fd":  "a file where the kernel has a directory",
			},
			want:    []model.Owner{{Inode: 1, PID: 1, FD: 0, Comm: "init"}},
			wantErr: "88/fd: not a directory",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.tree)
			o, err := readOwners(root)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), root) {
					t.Errorf("err = %v, want one naming %s and saying %q", err, root, tt.wantErr)
				}
				if !errors.Is(err, syscall.ENOTDIR) {
					t.Errorf("err = %v, want ENOTDIR matchable", err)
				}
			}
			got := allOwners(t, o, links(tt.tree))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("owners (-want +got):\n%s", diff)
			}
			if o.Hidden != tt.wantHidden {
				t.Errorf("Hidden = %d, want %d", o.Hidden, tt.wantHidden)
			}
		})
	}
}

func TestReadOwnersSharesComm(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"1/comm": "init\n",
		"1/fd/0": "-> socket:[1]",
		"1/fd/1": "-> socket:[2]",
	})
	o, err := readOwners(root)
	if err != nil {
		t.Fatal(err)
	}
	a, b := o.Of(1), o.Of(2)
	if len(a) != 1 || len(b) != 1 {
		t.Fatalf("owners %v, %v", a, b)
	}
	// One string per process, not one per descriptor.
	if a[0].Comm != "init" || b[0].Comm != "init" || unsafe.StringData(a[0].Comm) != unsafe.StringData(b[0].Comm) {
		t.Errorf("comms %q and %q do not share their bytes", a[0].Comm, b[0].Comm)
	}
}

func TestReadOwnersNoRoot(t *testing.T) {
	root := filepath.Join(t.TempDir(), "missing")
	_, err := readOwners(root)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), root) {
		t.Fatalf("err = %v, want os.ErrNotExist naming %s", err, root)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readOwners(file); !errors.Is(err, syscall.ENOTDIR) {
		t.Fatalf("err = %v, want ENOTDIR", err)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want outcome
	}{
		{nil, outcomeOK},
		{syscall.ENOENT, outcomeGone},
		{syscall.ESRCH, outcomeGone},
		{&os.PathError{Op: "open", Path: "/proc/1/fd", Err: syscall.ENOENT}, outcomeGone},
		{syscall.EACCES, outcomeHidden},
		{syscall.EPERM, outcomeHidden},
		{fmt.Errorf("wrapped: %w", syscall.EACCES), outcomeHidden},
		{syscall.EMFILE, outcomeFail},
		{syscall.ENOTDIR, outcomeFail},
		{syscall.EIO, outcomeFail},
		{errDirent, outcomeFail},
	}
	for _, tt := range tests {
		if got := classify(tt.err); got != tt.want {
			t.Errorf("classify(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
