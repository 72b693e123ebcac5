package nstest

import (
	"errors"
	"os"
	"testing"
)

// Require returns a new namespace for t and closes it when t ends. It skips
// t when the namespace cannot be made: not root, no CAP_SYS_ADMIN, or a
// platform without namespaces.
func Require(t testing.TB) *NS {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace: run as root (CI does)")
	}
	ns, err := Create()
	if errors.Is(err, ErrUnshare) || errors.Is(err, ErrUnsupported) {
		t.Skipf("needs root to create a network namespace: run as root (CI does): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ns.Close(); err != nil {
			t.Error(err)
		}
	})
	return ns
}
