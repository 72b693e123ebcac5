package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/conntab/conntab/analyze"
)

// How a command ends: its exit status and what it says on stderr.

// CheckFailed is --check's verdict on a report whose worst finding is a
// warning (exit status 3) or critical (4). conntab says it in one line,
// "conntab: ports: warn".
type CheckFailed struct {
	Command  string // ports, listeners
	Severity analyze.Severity
}

func (e *CheckFailed) Error() string { return e.Command + ": " + e.Severity.String() }

// Verdict is --check's verdict on a report of command whose worst
// finding is sev: nil for a notice or less.
func Verdict(command string, sev analyze.Severity) error {
	if sev >= analyze.SeverityWarn {
		return &CheckFailed{Command: command, Severity: sev}
	}
	return nil
}

// Status is the process's exit status for what a command returned:
// 0 for nil, a --check verdict's own (3 for a warning, 4 for critical), 2
// for a usage error, 1 for any other.
func Status(err error) int {
	var verdict *CheckFailed
	switch {
	case err == nil:
		return 0
	case errors.As(err, &verdict):
		if verdict.Severity >= analyze.SeverityCritical {
			return 4
		}
		return 3
	case errors.Is(err, ErrUsage):
		return 2
	}
	return 1
}

// OneLine joins a multi-line error (errors.Join) into one line.
func OneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

// careted is an error that can show where it went wrong in the text it
// was given: a filter's syntax error draws the filter with a caret under
// the place.
type careted interface{ Caret() string }

// ErrorText is what conntab says on stderr about err: one line; then, for
// an error with a caret, the text with the caret under the place; and for
// a usage error, where to read how to call conntab.
func ErrorText(err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "conntab: %s\n", OneLine(err))
	var c careted
	if errors.As(err, &c) {
		fmt.Fprintf(&b, "  %s\n", strings.ReplaceAll(c.Caret(), "\n", "\n  "))
	}
	if errors.Is(err, ErrUsage) {
		b.WriteString("Run 'conntab help' for usage.\n")
	}
	return b.String()
}
