package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"

	"github.com/conntab/conntab/cli"
)

// output runs conntab with args and returns what it wrote on stdout,
// failing the test on an error.
func output(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(t.Context(), args, &out, &errb); err != nil {
		t.Fatalf("conntab %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// conntab --help, conntab -h and conntab help show the overview, which
// names every command; conntab --help used to show the listing's help.
func TestOverview(t *testing.T) {
	want := output(t, "help")
	for _, args := range [][]string{{"--help"}, {"-h"}} {
		if diff := cmp.Diff(want, output(t, args...)); diff != "" {
			t.Errorf("conntab %s is not the overview (-want +got)\n%s", args[0], diff)
		}
	}
	if !strings.HasPrefix(want, "conntab: the connection table") || strings.Contains(want, "Usage: conntab list") {
		t.Errorf("the overview:\n%s", want)
	}
	for _, c := range program().Commands {
		if syn := c.Synopsis(); !strings.Contains(want, strings.Replace(syn, c.Name, strings.Join(append([]string{c.Name}, c.Aliases...), "|"), 1)) {
			t.Errorf("the overview does not show %q:\n%s", syn, want)
		}
	}
	for _, line := range strings.Split(want, "\n") {
		if len([]rune(line)) > 80 {
			t.Errorf("line over 80 columns: %q", line)
		}
	}
}

// Every command's -h shows its usage and every one of its flags; conntab
// help COMMAND shows the same.
func TestCommandHelp(t *testing.T) {
	for _, c := range program().Commands {
		t.Run(c.Name, func(t *testing.T) {
			got := output(t, c.Name, "-h")
			if !strings.HasPrefix(got, "Usage: conntab "+c.Name) || !strings.Contains(got, "\nFlags:\n") {
				t.Errorf("conntab %s -h:\n%s", c.Name, got)
			}
			c.Flags().VisitAll(func(f *pflag.Flag) {
				name := "--" + f.Name
				if f.Shorthand != "" {
					name = "-" + f.Shorthand + ", " + name
				}
				if !strings.Contains(got, name) {
					t.Errorf("conntab %s -h lacks %s:\n%s", c.Name, name, got)
				}
			})
			if diff := cmp.Diff(got, output(t, "help", c.Name)); diff != "" {
				t.Errorf("conntab help %s (-%s -h +help)\n%s", c.Name, c.Name, diff)
			}
		})
	}
}

// -V, --version and version say the version, the commit and the Go that
// built the binary. A test binary carries no commit: it says unknown and
// why (cli's tests give Version a stamped build).
func TestVersion(t *testing.T) {
	want := output(t, "version")
	for _, args := range [][]string{{"-V"}, {"--version"}} {
		if got := output(t, args...); got != want {
			t.Errorf("conntab %s: %q, want %q", args[0], got, want)
		}
	}
	lines := strings.Split(strings.TrimSuffix(want, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "conntab ") || !strings.HasPrefix(lines[1], "commit unknown (") ||
		!strings.Contains(lines[2], runtime.Version()) {
		t.Errorf("conntab version:\n%s", want)
	}
}

// A flag of ss or netstat that conntab lacks says, in one line, what to
// use instead or why not, and exits 2; ports and top keep -i as their
// interval.
func TestFlagHints(t *testing.T) {
	for _, h := range cli.Hints() {
		for _, args := range [][]string{{"-" + h.Short}, {"list", "-t" + h.Short}, {"--" + h.Long}} {
			var out bytes.Buffer
			err := run(t.Context(), args, &out, &out)
			if cli.Status(err) != 2 || !strings.Contains(err.Error(), h.Say) || strings.Contains(err.Error(), "\n") || out.Len() != 0 {
				t.Errorf("conntab %s: %v (exit %d), want one line saying %q, exit 2", strings.Join(args, " "), err, cli.Status(err), h.Say)
			}
		}
	}
	for _, args := range [][]string{{"list", "-i"}, {"-c"}} {
		if err := run(t.Context(), args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "conntab top") {
			t.Errorf("conntab %s: %v, want it to point at conntab top", strings.Join(args, " "), err)
		}
	}
	var o cli.PortsOptions
	if _, err := parseArgs([]string{"-i2s"}, o.Flags()); err != nil || o.Interval.Seconds() != 2 {
		t.Errorf("conntab ports -i2s: %v, interval %v", err, o.Interval)
	}
}

// The usage errors of the commands that say what conntab is.
func TestAboutUsageErrors(t *testing.T) {
	checkUsageErrors(t, []usageCase{
		{[]string{"completion"}, "bash, zsh or fish"},
		{[]string{"completion", "tcsh"}, `"tcsh"`},
		{[]string{"completion", "bash", "zsh"}, `"zsh"`},
		{[]string{"help", "nosuch"}, `unknown command "nosuch"`},
		{[]string{"help", "list", "ports"}, `"ports"`},
		{[]string{"version", "x"}, `"x"`},
		{[]string{"-V", "-x"}, "-x, --unix"},
		{[]string{"man", "x"}, `"x"`},
	})
}

// Each shell's completion script parses, and names every command and
// every spelling of every flag.
func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			script := output(t, "completion", shell)
			for _, c := range program().Commands {
				for _, name := range append([]string{c.Name}, c.Aliases...) {
					if !strings.Contains(script, name) {
						t.Errorf("no command %s", name)
					}
				}
				c.Flags().VisitAll(func(f *pflag.Flag) {
					for _, spelling := range flagSpellings(shell, f) {
						if !strings.Contains(script, spelling) {
							t.Errorf("conntab %s: no %s", c.Name, spelling)
						}
					}
				})
			}
			if _, err := exec.LookPath(shell); err != nil && shell != "bash" {
				t.Skipf("%s is not installed: the script's syntax is not checked", shell)
			}
			path := t.TempDir() + "/conntab." + shell
			if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(shell, "-n", path).CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v\n%s", shell, err, out)
			}
		})
	}
}

// flagSpellings are how shell's script writes f.
func flagSpellings(shell string, f *pflag.Flag) []string {
	switch {
	case shell == "fish" && f.Shorthand != "":
		return []string{"-s " + f.Shorthand, "-l " + f.Name}
	case shell == "fish":
		return []string{"-l " + f.Name}
	case f.Shorthand != "":
		return []string{"-" + f.Shorthand, "--" + f.Name}
	}
	return []string{"--" + f.Name}
}

// docs/conntab.1 is conntab man's output (go test -update rewrites it),
// and man renders it with every command and flag.
func TestManPage(t *testing.T) {
	const path = "docs/conntab.1"
	got := output(t, "man")
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s is stale: run go test . -run TestManPage -update (-committed +conntab man)\n%s", path, diff)
	}
	if _, err := exec.LookPath("man"); err != nil {
		t.Skip("man is not installed (.ci/run installs man-db)")
	}
	cmd := exec.Command("man", "-l", path)
	cmd.Env = append(os.Environ(), "MANWIDTH=100", "MANPAGER=cat", "PAGER=cat", "LC_ALL=C.UTF-8")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	page, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("man -l %s: %v\n%s", path, err, stderr.String())
	}
	for _, c := range program().Commands {
		want := []string{c.Synopsis()}
		c.Flags().VisitAll(func(f *pflag.Flag) { want = append(want, "--"+f.Name) })
		for _, w := range want {
			if !bytes.Contains(page, []byte(w)) {
				t.Errorf("the rendered page lacks %q", w)
			}
		}
	}
	for _, h := range cli.Hints() {
		if !bytes.Contains(page, []byte("-"+h.Short+", --"+h.Long)) {
			t.Errorf("the rendered page lacks the hint for -%s", h.Short)
		}
	}
}
