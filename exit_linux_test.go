package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/filter"
)

// goPackage finds a Go package's name used as a message's prefix
// ("collect: ", "model: "): words a user of conntab never typed.
var goPackage = regexp.MustCompile(`\b(collect|names|audit|model|filter|analyze|render|sample|exporter|cli|escape|tui): `)

// exitCase is a command line, the exit status it must end with, what its
// message must quote, and what the error must match with errors.Is.
type exitCase struct {
	name  string
	args  []string
	exit  int
	quote string
	is    error
}

// TestExitStatus holds conntab to the one rule its help states: 2 when
// the command line is wrong, a file it names included; 1 when the host
// could not be read (or served on). Every message is in the user's words:
// it quotes what was wrong and names no Go package.
func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	badRules := filepath.Join(dir, "rules")
	if err := os.WriteFile(badRules, []byte("local 6379/tcp Redis\nlocal 70000/tcp Nothing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badFilter := filepath.Join(dir, "filter")
	if err := os.WriteFile(badFilter, []byte("sport = :22 )\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var help bytes.Buffer
	if err := run(t.Context(), []string{"help"}, &help, &help); err != nil || !strings.Contains(help.String(), "2 the command line is wrong") || !strings.Contains(help.String(), "1 the host did not answer") {
		t.Errorf("conntab help does not state the rule (%v):\n%s", err, help.String())
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	for _, tt := range []exitCase{
		{"list -F missing", []string{"list", "-F", missing}, 2, missing, fs.ErrNotExist},
		{"list -F directory", []string{"list", "-F", dir}, 2, dir, nil},
		{"list -F bad filter", []string{"list", "-F", badFilter}, 2, badFilter, filter.ErrSyntax},
		{"listeners --rules missing", []string{"listeners", "--rules", missing}, 2, missing, fs.ErrNotExist},
		{"top --rules missing", []string{"top", "--rules", missing}, 2, missing, fs.ErrNotExist},
		{"listeners --rules bad line", []string{"listeners", "--rules", badRules}, 2, `"local 70000/tcp Nothing"`, audit.ErrAuditSyntax},
		{"serve --listen port out of range", []string{"serve", "--listen", "127.0.0.1:99999"}, 2, `"127.0.0.1:99999"`, nil},
		{"serve --listen no port", []string{"serve", "--listen", "nonsense"}, 2, `"nonsense"`, nil},
		{"serve --listen unknown service", []string{"serve", "--listen", "127.0.0.1:nosuchservice"}, 2, `"127.0.0.1:nosuchservice"`, nil},
		{"serve --listen taken", []string{"serve", "--listen", busy.Addr().String()}, 1, busy.Addr().String(), nil},
		{"list unknown service", []string{"list", "dport", "=", ":nosuchservice"}, 2, `"nosuchservice"`, filter.ErrSyntax},
		{"top unknown service", []string{"top", "dport", "=", ":nosuchservice"}, 2, `"nosuchservice"`, filter.ErrSyntax},
		{"list --source unknown", []string{"list", "--source", "kernel"}, 2, `"kernel"`, nil},
		{"list -N missing namespace", []string{"list", "-N", "conntab-no-such-ns"}, 1, "conntab-no-such-ns", nil},
		{"ports -N missing namespace", []string{"ports", "-N", "conntab-no-such-ns"}, 1, "conntab-no-such-ns", nil},
		{"listeners -N not a namespace", []string{"listeners", "-N", badRules}, 1, badRules, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			var out, errb bytes.Buffer
			err := run(ctx, tt.args, &out, &errb)
			if got := cli.Status(err); got != tt.exit {
				t.Fatalf("exit %d, want %d: %v", got, tt.exit, err)
			}
			text := cli.ErrorText(err)
			if !strings.Contains(text, tt.quote) {
				t.Errorf("message does not quote %s:\n%s", tt.quote, text)
			}
			if m := goPackage.FindString(text + errb.String()); m != "" {
				t.Errorf("message names the Go package %q:\n%s%s", m, text, errb.String())
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) is false", err, tt.is)
			}
		})
	}
}

// An unknown service name in a filter is shown as every other mistake
// in a filter is: the column, and a caret under it.
func TestFilterUnknownServiceCaret(t *testing.T) {
	err := run(t.Context(), []string{"list", "-t", "dport", "=", ":nosuchservice"}, &bytes.Buffer{}, &bytes.Buffer{})
	var se *filter.SyntaxError
	if !errors.As(err, &se) || se.Col != 9 {
		t.Fatalf("err = %v, want a *filter.SyntaxError at column 9", err)
	}
	want := "  dport = :nosuchservice\n" +
		"          ^\n"
	if text := cli.ErrorText(err); !strings.Contains(text, want) || !strings.Contains(text, "column 9") {
		t.Errorf("errorText =\n%s\nwant the column and the caret:\n%s", text, want)
	}
}
