//go:build linux

package collect

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNetNSNotANamespace names, as the namespace to read (-N PATH), files
// that are none: a FIFO that nothing writes to must not block Collect in
// open(2) for ever, and every one is refused naming the path.
func TestNetNSNotANamespace(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "ns.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	regular := filepath.Join(dir, "ns.txt")
	if err := os.WriteFile(regular, []byte("not a namespace\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{fifo, "named pipe"},
		{regular, "a plain file, not a network namespace"},
		{"/dev/null", "character device"},
		{"/proc/self/ns/uts", "is not a network namespace"},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := New(Config{NetNS: tc.path}).Collect(context.Background())
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Collect(NetNS %s) = %v, want an error naming it and saying %q", tc.path, err, tc.want)
				}
			case <-time.After(5 * time.Second):
				if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					w.Close()
				}
				t.Fatalf("Collect(NetNS %s) still blocked after 5s", tc.path)
			}
		})
	}
}
