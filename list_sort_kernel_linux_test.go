package main

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

// TestKernelListSortAndColumns: in a namespace holding one socket of each
// kind, `--sort state,remote:desc` lists what ss lists in that order, and
// `--columns` writes the columns it names, reading the processes for
// Process without -p.
func TestKernelListSortAndColumns(t *testing.T) {
	ns, fromSS := knownSetWithSS(t)
	inOrder := func(socks []model.Socket) (out []string) {
		for _, s := range socks {
			// ss 6.1 does not know BOUND_INACTIVE.
			if s.State != model.StateBoundInactive {
				out = append(out, fmt.Sprintf("%s/%s %s %s -> %s", s.Proto, s.Family, s.State, s.Local, s.Remote))
			}
		}
		return out
	}
	want := slices.Clone(fromSS)
	slices.SortFunc(want, func(a, b model.Socket) int {
		if a.State != b.State {
			return int(a.State) - int(b.State)
		}
		if c := b.Remote.Compare(a.Remote); c != 0 {
			return c
		}
		return a.Local.Compare(b.Local)
	})
	for _, source := range []string{"netlink", "proc"} {
		got := listJSON(t, "-a", "-N", ns.Path(), "--source", source, "--sort", "state,remote:desc")
		if diff := cmp.Diff(inOrder(want), inOrder(got)); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", source, diff)
		}
	}

	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"list", "-a", "-N", ns.Path(), "--columns", "State,local,process", "--sort", "process:desc"}, &out, &errb); err != nil {
		t.Fatalf("%v (stderr %q)", err, errb.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if got := strings.Fields(lines[0]); !slices.Equal(got, []string{"State", "Local", "Address:Port", "Process"}) {
		t.Errorf("header %q", lines[0])
	}
	// The test holds every socket that has a file: they come first, under
	// its pid; TIME_WAIT and the FIN_WAIT2 minisocket have none.
	mine, none := fmt.Sprintf("/%d", os.Getpid()), 0
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		switch {
		case len(f) != 3:
			t.Errorf("row %q: want 3 cells", line)
		case f[2] == "-":
			none++
		case none > 0 || !strings.Contains(f[2], mine):
			t.Errorf("row %q after %d rows without a process, or not this test's (%s)", line, none, mine)
		}
	}
	if none == 0 || none == len(lines)-1 {
		t.Errorf("%d of %d rows without a process:\n%s", none, len(lines)-1, out.String())
	}
}
