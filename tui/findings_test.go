package tui

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestWrapKeepsFlags: a flag or option is never cut after its hyphens;
// words joined by hyphens still break there.
func TestWrapKeepsFlags(t *testing.T) {
	for _, c := range []struct {
		s     string
		width int
		want  []string
	}{
		{`add it to a rules file given with --rules`, 38, []string{"add it to a rules file given with", "--rules"}},
		{`find out what it is: ls -l /proc/1/exe`, 25, []string{"find out what it is: ls", "-l /proc/1/exe"}},
		{`sockets bound with bind-before-connect`, 30, []string{"sockets bound with bind-", "before-connect"}},
		{`("-" none)`, 20, []string{`("-" none)`}},
	} {
		got := wrap(c.s, c.width, "", "")
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%q at %d (-want +got):\n%s", c.s, c.width, diff)
		}
	}
}
