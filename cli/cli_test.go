package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spf13/pflag"
)

// toy is a command's options for the tests.
type toy struct {
	tcp, all bool
	netns    string
	format   string
}

func (o *toy) flags() *pflag.FlagSet {
	fs := NewFlags("toy")
	fs.BoolVarP(&o.tcp, "tcp", "t", false, "TCP")
	fs.BoolVarP(&o.all, "all", "a", false, "every state")
	CompleteNamesIn(Arg(fs, "netns", "N", "NAME|PATH", "a namespace", func(v string) error {
		if v == "bad" {
			return errors.New(`"bad": no such namespace`)
		}
		o.netns = v
		return nil
	}), "/run/netns")
	Switch(fs, "json", "", "JSON", func() { o.format = "json" })
	return fs
}

var toyHints = []Hint{{Short: "x", Long: "unix", From: "ss: unix sockets", Say: "out of scope"}}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want toy
		rest []string
	}{
		{[]string{"-ta"}, toy{tcp: true, all: true}, nil},
		{[]string{"-taNblue"}, toy{tcp: true, all: true, netns: "blue"}, nil},
		{[]string{"-tN", "blue"}, toy{tcp: true, netns: "blue"}, nil},
		{[]string{"--netns=blue", "--json"}, toy{netns: "blue", format: "json"}, nil},
		{[]string{"-t", "state", "listening", "-a"}, toy{tcp: true, all: true}, []string{"state", "listening"}},
		{[]string{"-N", "-t"}, toy{netns: "-t"}, nil},
		{[]string{"--", "-t"}, toy{}, []string{"-t"}},
		{[]string{"-"}, toy{}, []string{"-"}},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var o toy
			rest, err := Parse(o.flags(), tt.args, toyHints)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, o, cmp.AllowUnexported(toy{})); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tt.rest, rest, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("rest (-want +got)\n%s", diff)
			}
		})
	}
}

// Every error is a usage error in the user's words; a hint answers the
// flags it knows, short or long.
func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-tz"}, `unknown flag -z in "-tz"`},
		{[]string{"-a", "-tz"}, `unknown flag -z in "-tz"`},
		{[]string{"--nope"}, "unknown flag --nope"},
		{[]string{"--nope=1"}, "unknown flag --nope"},
		{[]string{"-tx"}, "-x, --unix (ss: unix sockets): out of scope"},
		{[]string{"--unix"}, "-x, --unix (ss: unix sockets): out of scope"},
		{[]string{"-N"}, "flag -N needs a value (NAME|PATH)"},
		{[]string{"--netns"}, "flag --netns needs a value (NAME|PATH)"},
		{[]string{"-N", "bad"}, `flag --netns: "bad": no such namespace`},
		{[]string{"--json=yes"}, `flag --json takes no value (or true or false): "yes"`},
		{[]string{"-t=maybe"}, `flag --tcp takes no value (or true or false): "maybe"`},
		{[]string{"--=x"}, `bad flag "--=x"`},
		{[]string{"-h"}, "unknown flag -h or --help"},
		{[]string{"--help"}, "unknown flag -h or --help"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var o toy
			_, err := Parse(o.flags(), tt.args, toyHints)
			if !errors.Is(err, ErrUsage) || err.Error() != tt.want {
				t.Errorf("err = %v, want the usage error %q", err, tt.want)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	goLine := "go     go1.99.1 " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	stamped := func(settings ...debug.BuildSetting) *debug.BuildInfo {
		return &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Version: "v1.2.3"}, Settings: settings}
	}
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "829c349d1f7c3a5b0000000000000000000000ff"}
	when := debug.BuildSetting{Key: "vcs.time", Value: "2026-03-04T10:00:00Z"}
	for _, tt := range []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{"modified", stamped(rev, when, debug.BuildSetting{Key: "vcs.modified", Value: "true"}), true,
			"toy v1.2.3\ncommit 829c349d1f7c3a5b0000000000000000000000ff (2026-03-04T10:00:00Z, with uncommitted changes)\n" + goLine},
		{"clean", stamped(rev, debug.BuildSetting{Key: "vcs.modified", Value: "false"}), true,
			"toy v1.2.3\ncommit 829c349d1f7c3a5b0000000000000000000000ff (clean)\n" + goLine},
		{"-buildvcs=false", &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Version: "(devel)"}}, true,
			"toy (devel)\ncommit unknown (the binary carries no version control stamp: built with -buildvcs=false or outside a git checkout)\n" + goLine},
		{"no build info", nil, false,
			"toy unknown\ncommit unknown (the binary carries no version control stamp: built with -buildvcs=false or outside a git checkout)\ngo     " +
				runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Version("toy", tt.info, tt.ok)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// toyProgram has one command with flags and arguments, the default.
func toyProgram(ran *[]string) *Program {
	p := &Program{Name: "toy", Title: "a toy", Default: "list", Hints: toyHints,
		Sections: []Section{{Title: "Exit status", Text: "0 ok, 2 usage", Overview: true}}}
	p.Commands = []*Command{{Name: "list", Aliases: []string{"ls"}, Summary: "every thing",
		Usage: "Usage: toy list [flags] [FILTER...]\n\nLists things.\n  toy list -t 'a b'\n.dot and \\back-slash.\n\nFlags:\n",
		Flags: new(toy).flags,
		Run: func(_ context.Context, args []string, _, _ io.Writer) error {
			*ran = append(*ran, strings.Join(append([]string{"list"}, args...), " "))
			return nil
		}}}
	p.AddBuiltins()
	return p
}

func TestRun(t *testing.T) {
	var ran []string
	p := toyProgram(&ran)
	overview := new(bytes.Buffer)
	if err := p.Overview(overview); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		ran  string
		out  string
	}{
		{[]string{"-ta"}, "list -ta", ""},
		{[]string{"ls", "x"}, "list x", ""},
		{[]string{"-h"}, "", overview.String()},
		{[]string{"--help"}, "", overview.String()},
		{[]string{"help"}, "", overview.String()},
	} {
		ran = nil
		var out bytes.Buffer
		if err := p.Run(t.Context(), tt.args, &out, io.Discard); err != nil {
			t.Errorf("%q: %v", tt.args, err)
		}
		if strings.Join(ran, ";") != tt.ran || out.String() != tt.out {
			t.Errorf("%q: ran %q, wrote %q; want %q, %q", tt.args, ran, out.String(), tt.ran, tt.out)
		}
	}
	for _, args := range [][]string{{"nosuch"}, {"help", "nosuch"}, {"completion", "tcsh"}, {"man", "x"}, {"-V", "x"}} {
		if err := p.Run(t.Context(), args, io.Discard, io.Discard); !errors.Is(err, ErrUsage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	var out bytes.Buffer
	if err := p.Run(t.Context(), []string{"help", "ls"}, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "Usage: toy list") ||
		!strings.Contains(out.String(), "  -N, --netns NAME|PATH  a namespace\n") || !strings.Contains(out.String(), "      --json             JSON\n") {
		t.Errorf("help ls: %v\n%s", err, out.String())
	}
}

// The overview and help wrap at 80 columns; a long term stands on its own
// line.
func TestWrap(t *testing.T) {
	var b strings.Builder
	writeItem(&b, "-x, --a-very-long-flag-name VALUE", strings.Repeat("word ", 40), 20)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if lines[0] != "  -x, --a-very-long-flag-name VALUE" || len(lines) < 4 {
		t.Errorf("%q", lines)
	}
	for _, l := range lines[1:] {
		if len(l) > width || !strings.HasPrefix(l, strings.Repeat(" ", 24)+"word") {
			t.Errorf("line %q: over %d columns, or not indented under the text", l, width)
		}
	}
	if got := wrap("a b\nc", 80, "  "); got != "a b\n  c" {
		t.Errorf("wrap kept no line break: %q", got)
	}
}

// The man page escapes what roff would read as a request or an escape,
// and keeps indented lines as they are.
func TestMan(t *testing.T) {
	var ran []string
	var b strings.Builder
	if err := toyProgram(&ran).Man(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		".TH TOY 1 \"\" toy \"User Commands\"\n",
		"Lists things.\n.RS 2\n.nf\ntoy list \\-t 'a b'\n.fi\n.RE\n\\&.dot and \\eback\\-slash.\n",
		".TP\n\\fB\\-N\\fR, \\fB\\-\\-netns\\fR \\fINAME|PATH\\fR\na namespace\n",
		".TP\n\\fB\\-x, \\-\\-unix\\fR (ss: unix sockets)\nout of scope\n",
		".SH \"EXIT STATUS\"\n0 ok, 2 usage\n",
		"Also: toy ls.\n",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
}
