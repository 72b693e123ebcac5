package collect

import (
	"errors"
	"os"
	"slices"
	"testing"
)

// This process's own detail, as the kernel keeps it.
func TestReadProcessDetailSelf(t *testing.T) {
	d, err := ReadProcessDetail("", int32(os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Cmdline, os.Args) {
		t.Errorf("cmdline %q, want %q", d.Cmdline, os.Args)
	}
	if d.Cgroup == "" || d.Cgroup[0] != '/' {
		t.Errorf("cgroup %q, want a path", d.Cgroup)
	}
	if _, err := ReadProcessDetail("", 1<<30); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a process that does not exist: err = %v", err)
	}
}
