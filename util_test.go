package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/conntab/conntab/cli"
)

// usageCase is a command line that must be a usage error (exit 2) whose
// message quotes what was wrong.
type usageCase struct {
	args  []string
	quote string
}

// checkUsageErrors runs each case: a usage error, exit 2, its message
// quoting the case's quote, and nothing on stdout.
func checkUsageErrors(t *testing.T, cases []usageCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(t.Context(), tt.args, &out, &errb)
			if !errors.Is(err, errUsage) || cli.Status(err) != 2 {
				t.Fatalf("err = %v (exit %d), want a usage error, exit 2", err, cli.Status(err))
			}
			if !strings.Contains(err.Error(), tt.quote) {
				t.Errorf("%q does not quote %s", err.Error(), tt.quote)
			}
			if out.Len() != 0 {
				t.Errorf("wrote %q on a usage error", out.String())
			}
		})
	}
}
