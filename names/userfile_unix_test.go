//go:build unix

package names

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mkfifo makes a named pipe in a temporary directory. Nothing writes to it.
func mkfifo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rules.fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// within runs load and fails the test if it has not returned within five
// seconds, instead of hanging: a reader stuck opening fifo is let go by
// opening fifo for writing (and closing it), so that the test ends.
func within(t *testing.T, fifo string, load func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- load() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		t.Fatalf("still reading %s after 5s: a FIFO with no writer hangs the loader", fifo)
		return nil
	}
}

// TestLoadersRefuseFIFO gives every loader of a file the user names a
// FIFO with no writer: each must refuse it at once, saying what it is,
// rather than block in open(2) for ever (deaf to SIGINT and SIGTERM).
func TestLoadersRefuseFIFO(t *testing.T) {
	for _, tc := range []struct {
		name string
		load func(path string) error
	}{
		{"OpenUserFile", func(p string) error { _, err := OpenUserFile(p); return err }},
		{"ReadUserFile", func(p string) error { _, err := ReadUserFile(p); return err }},
		{"LoadServices", func(p string) error { _, err := LoadServices(p); return err }},
		{"LoadUsers", func(p string) error { _, err := LoadUsers(p); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fifo := mkfifo(t)
			err := within(t, fifo, func() error { return tc.load(fifo) })
			if !errors.Is(err, ErrNotRegular) {
				t.Fatalf("%s(FIFO) = %v, want an error matching ErrNotRegular", tc.name, err)
			}
			if msg := err.Error(); !strings.Contains(msg, fifo) || !strings.Contains(msg, "named pipe (FIFO)") {
				t.Errorf("%s(FIFO) = %q, want the path and what it is", tc.name, msg)
			}
		})
	}
}

// TestOpenUserFileKinds checks what OpenUserFile opens and what it
// refuses, and that open errors stay matchable.
func TestOpenUserFileKinds(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "rules.txt")
	if err := os.WriteFile(regular, []byte("tcp 22 sshd\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(regular, link); err != nil {
		t.Fatal(err)
	}
	fifo := mkfifo(t)
	fifoLink := filepath.Join(dir, "fifo-link")
	if err := os.Symlink(fifo, fifoLink); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	for _, tc := range []struct {
		path string
		kind string // "" opens
		is   error
	}{
		{regular, "", nil},
		{link, "", nil},
		{fifo, "a named pipe (FIFO)", ErrNotRegular},
		{fifoLink, "a named pipe (FIFO)", ErrNotRegular},
		{sock, "a socket", ErrNotRegular},
		{"/dev/null", "a character device", ErrNotRegular},
		{dir, "a directory", ErrNotRegular},
		{filepath.Join(dir, "missing"), "", fs.ErrNotExist},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			var f interface{ Close() error }
			err := within(t, fifo, func() (err error) { f, err = OpenUserFile(tc.path); return err })
			if tc.is == nil {
				if err != nil {
					t.Fatalf("OpenUserFile(%s): %v", tc.path, err)
				}
				f.Close()
				return
			}
			if !errors.Is(err, tc.is) {
				t.Fatalf("OpenUserFile(%s) = %v, want an error matching %v", tc.path, err, tc.is)
			}
			var kind *FileKindError
			if tc.kind != "" && (!errors.As(err, &kind) || kind.Kind != tc.kind || kind.Path != tc.path) {
				t.Errorf("OpenUserFile(%s) = %v, want it named %s", tc.path, err, tc.kind)
			}
		})
	}
}

// TestUserFileLimit reads files of exactly the limit and of one byte
// more through a userFile with a small limit.
func TestUserFileLimit(t *testing.T) {
	const limit = 10
	dir := t.TempDir()
	for _, tc := range []struct {
		size int
		ok   bool
	}{{0, true}, {limit - 1, true}, {limit, true}, {limit + 1, false}, {3 * limit, false}} {
		path := filepath.Join(dir, "f")
		if err := os.WriteFile(path, []byte(strings.Repeat("x", tc.size)), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(&userFile{f: f, path: path, left: limit})
		f.Close()
		switch {
		case tc.ok && (err != nil || len(b) != tc.size):
			t.Errorf("%d bytes, limit %d: read %d, %v", tc.size, limit, len(b), err)
		case !tc.ok && (!errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), path)):
			t.Errorf("%d bytes, limit %d: read %d, %v; want ErrTooLarge naming the file", tc.size, limit, len(b), err)
		}
	}
}

// TestReadUserFileLimit opens a sparse file one byte past MaxUserFile (as
// /proc/kcore is past any limit): reading it ends in an error.
func TestReadUserFileLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxUserFile + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r, err := OpenUserFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n, err := io.Copy(io.Discard, r); !errors.Is(err, ErrTooLarge) || n != MaxUserFile {
		t.Errorf("read %d bytes, %v; want %d and ErrTooLarge", n, err, MaxUserFile)
	}
}
