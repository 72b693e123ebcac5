package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// TestNoTerminalLists: conntab with no arguments, in a pipe, prints the
// listing and says on stderr why it did not open the dashboard.
func TestNoTerminalLists(t *testing.T) {
	if isTerminal() {
		t.Skip("stdin and stdout are a terminal: conntab would open the dashboard")
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "Netid") {
		t.Errorf("stdout is not the listing:\n%s", out.String())
	}
	if !strings.Contains(errOut.String(), "not a terminal") {
		t.Errorf("stderr does not say why: %q", errOut.String())
	}
}

func TestTopNeedsTerminal(t *testing.T) {
	if isTerminal() {
		t.Skip("a terminal is attached")
	}
	err := run(context.Background(), []string{"top"}, &bytes.Buffer{}, &bytes.Buffer{})
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "needs a terminal") {
		t.Errorf("conntab top in a pipe: %v", err)
	}
	// Bad flags and filters are found before the terminal is missed.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"top", "-i", "10ms"}, "at least 100ms"},
		{[]string{"top", "-i", "soon"}, `"soon"`},
		{[]string{"top", "state", "bogus"}, `unknown state "bogus"`},
	} {
		err := run(context.Background(), tc.args, &bytes.Buffer{}, &bytes.Buffer{})
		if exitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want a usage error saying %s", tc.args, err, tc.want)
		}
	}
}
