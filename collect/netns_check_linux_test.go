package collect

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/conntab/conntab/internal/nstest"
)

// CheckNetNS says why a namespace cannot be entered, in the words of what
// failed: the missing file, a file that is no namespace, a namespace that
// takes CAP_SYS_ADMIN to enter. One that can be entered, or none at all,
// passes.
func TestCheckNetNS(t *testing.T) {
	if err := New(Config{}).CheckNetNS(t.Context()); err != nil {
		t.Errorf("no namespace: %v", err)
	}

	missing := filepath.Join(t.TempDir(), "nosuchns")
	err := New(Config{NetNS: missing}).CheckNetNS(t.Context())
	var pathErr *fs.PathError
	if !errors.As(err, &pathErr) || !errors.Is(err, os.ErrNotExist) || err.Error() != "open "+missing+": no such file or directory" {
		t.Errorf("a missing file: %v, want the *fs.PathError alone", err)
	}

	plain := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err = New(Config{NetNS: plain}).CheckNetNS(t.Context())
	if !errors.Is(err, ErrNotNetNS) || !strings.HasPrefix(err.Error(), plain+" is a plain file, not a network namespace") {
		t.Errorf("a plain file: %v, want ErrNotNetNS saying it is a plain file, not a network namespace", err)
	}
	// A namespace file of another kind passes the file check; setns(2)
	// refuses it.
	err = New(Config{NetNS: "/proc/self/ns/uts"}).CheckNetNS(t.Context())
	if os.Geteuid() == 0 && (!errors.Is(err, syscall.EINVAL) || !strings.HasPrefix(err.Error(), "/proc/self/ns/uts is not a network namespace: ")) {
		t.Errorf("a UTS namespace: %v, want EINVAL saying it is not a network namespace", err)
	}

	if os.Geteuid() != 0 {
		err = New(Config{NetNS: "/proc/self/ns/net"}).CheckNetNS(t.Context())
		if !errors.Is(err, syscall.EPERM) || !strings.HasPrefix(err.Error(), "not allowed to enter /proc/self/ns/net (it takes CAP_SYS_ADMIN): ") {
			t.Errorf("without root: %v, want EPERM saying it takes CAP_SYS_ADMIN", err)
		}
	}
	ns := nstest.Require(t)
	if err := New(Config{NetNS: ns.Path()}).CheckNetNS(t.Context()); err != nil {
		t.Errorf("a namespace of our own: %v", err)
	}
}
