package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/model"
)

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
		{[]string{"top", "--rules"}, "--rules"},
		{[]string{"top", "--rules", "testdata/audit/malformed.txt"}, `"local 6379          # no protocol"`},
		{[]string{"top", "--rules", "testdata/audit/none.txt"}, "none.txt"},
	} {
		err := run(context.Background(), tc.args, &bytes.Buffer{}, &bytes.Buffer{})
		if cli.Status(err) != 2 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want a usage error saying %s", tc.args, err, tc.want)
		}
	}
}

// TestTopRules: --rules extends conntab's own audit rules and reaches the
// dashboard's configuration; a bad file is a usage error that matches
// what went wrong.
func TestTopRules(t *testing.T) {
	o := cli.TopOptions{RulesFile: "testdata/audit/site.txt"}
	if _, err := loadRules(o.RulesFile); err != nil {
		t.Fatal(err)
	}
	cfg, err := dashboardConfig(t.Context(), &o, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if what, ok := cfg.Rules.Local(model.ProtoTCP, 6380); !ok || what != "the second Redis" {
		t.Errorf("the file's local port: %q %v", what, ok)
	}
	if _, ok := cfg.Rules.Local(model.ProtoTCP, 6379); !ok {
		t.Error("conntab's own rules are lost")
	}
	// Without --rules the dashboard takes its default (tui.New).
	if rules, err := loadRules(""); err != nil || rules != nil {
		t.Error("no --rules: rules loaded")
	}
	for path, want := range map[string]error{"testdata/audit/malformed.txt": audit.ErrAuditSyntax, "testdata/audit/none.txt": os.ErrNotExist} {
		_, err := loadRules(path)
		if !errors.Is(err, errUsage) || !errors.Is(err, want) {
			t.Errorf("%s: %v, want a usage error matching %v", path, err, want)
		}
	}
}
