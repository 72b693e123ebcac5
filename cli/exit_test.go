package cli

import (
	"errors"
	"fmt"
	"testing"

	"github.com/conntab/conntab/analyze"
)

type caretErr struct{}

func (caretErr) Error() string { return "bad filter at column 3: what is x?" }
func (caretErr) Caret() string { return "a x\n  ^" }

func TestStatusAndErrorText(t *testing.T) {
	for _, tt := range []struct {
		err    error
		status int
		text   string
	}{
		{nil, 0, ""},
		{errors.New("read /proc/net/tcp: boom\nand more"), 1, "conntab: read /proc/net/tcp: boom; and more\n"},
		{Usagef("no such flag"), 2, "conntab: no such flag\nRun 'conntab help' for usage.\n"},
		{Verdict("ports", analyze.SeverityWarn), 3, "conntab: ports: warn\n"},
		{fmt.Errorf("wrapped: %w", Verdict("listeners", analyze.SeverityCritical)), 4, "conntab: wrapped: listeners: crit\n"},
		{&UsageError{Msg: "bad filter at column 3: what is x?", Err: caretErr{}}, 2,
			"conntab: bad filter at column 3: what is x?\n  a x\n    ^\nRun 'conntab help' for usage.\n"},
	} {
		if got := Status(tt.err); got != tt.status {
			t.Errorf("Status(%v) = %d, want %d", tt.err, got, tt.status)
		}
		if tt.err == nil {
			continue
		}
		if got := ErrorText(tt.err); got != tt.text {
			t.Errorf("ErrorText(%v) = %q, want %q", tt.err, got, tt.text)
		}
	}
	if Verdict("ports", analyze.SeverityNotice) != nil {
		t.Error("a notice is no --check failure")
	}
}
