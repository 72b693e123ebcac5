package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/filter"
	"github.com/conntab/conntab/internal/reporttest"
	"github.com/conntab/conntab/names"
	"github.com/conntab/conntab/render"
)

// golden is reporttest.Golden, for the metrics' test.
func golden(t *testing.T, name string, got []byte) { t.Helper(); reporttest.Golden(t, name, got) }

// The listing's command line, parsed by pflag as ss parses its own:
// clusters, a flag's value in its cluster or the next argument or after
// "=", a filter after the flags (or among them), "--".
func TestParseArgs(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want cli.ListOptions
		rest []string
	}{
		{[]string{"-tan"}, cli.ListOptions{TCP: true, All: true}, nil},
		{[]string{"-tuln"}, cli.ListOptions{TCP: true, UDP: true, Listening: true}, nil},
		{[]string{"-4", "-eo", "-H"}, cli.ListOptions{IPv4: true, Extended: true, Timers: true, NoHeader: true}, nil},
		{[]string{"--source=proc", "--json"}, cli.ListOptions{Source: "proc", JSON: true}, nil},
		{[]string{"--source", "netlink", "-s"}, cli.ListOptions{Source: "netlink", Summary: true}, nil},
		{[]string{"-N", "blue"}, cli.ListOptions{NetNS: []string{"blue"}}, nil},
		{[]string{"-aNblue"}, cli.ListOptions{All: true, NetNS: []string{"blue"}}, nil},
		{[]string{"--netns=blue"}, cli.ListOptions{NetNS: []string{"blue"}}, nil},
		{[]string{"-N", "blue", "-Nred", "--netns=all"}, cli.ListOptions{NetNS: []string{"blue", "red", "all"}}, nil},
		{[]string{"--netns=/proc/1/ns/net", "--", "-t"}, cli.ListOptions{NetNS: []string{"/proc/1/ns/net"}}, []string{"-t"}},
		{[]string{"-t", "state", "listening"}, cli.ListOptions{TCP: true}, []string{"state", "listening"}},
		{[]string{"state", "listening", "-tn"}, cli.ListOptions{TCP: true}, []string{"state", "listening"}},
		{[]string{"-pF", "rules.txt"}, cli.ListOptions{Processes: true, FilterFile: "rules.txt"}, nil},
		{[]string{"--json", "--csv"}, cli.ListOptions{JSON: true, CSV: true}, nil}, // a usage error: Conflicts
		{[]string{"--json=false"}, cli.ListOptions{}, nil},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var o cli.ListOptions
			rest, err := parseArgs(tt.args, o.Flags())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, o); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tt.rest, rest, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("rest (-want +got)\n%s", diff)
			}
		})
	}
}

// A bad command line is a usage error (exit 2) that says what was wrong
// in the words conntab's own parser used.
func TestUsageErrors(t *testing.T) {
	checkUsageErrors(t, []usageCase{
		{[]string{"-x"}, "-x, --unix (ss: unix sockets): out of scope"},
		{[]string{"list", "-tz"}, `unknown flag -z in "-tz"`},
		{[]string{"--nope"}, "unknown flag --nope"},
		{[]string{"--json=yes"}, `flag --json takes no value (or true or false): "yes"`},
		{[]string{"--source"}, "flag --source needs a value (auto|netlink|proc)"},
		{[]string{"--source", "kernel"}, `flag --source: unknown source "kernel"`},
		{[]string{"-N"}, "flag -N needs a value (NAME|PATH|all)"},
		{[]string{"-tN"}, "flag -N needs a value (NAME|PATH|all)"},
		{[]string{"---x"}, `bad flag "---x"`},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"list", "stray"}, `"stray"`},
		// Two outputs at once: the error names both flags.
		{[]string{"list", "--json", "--csv"}, "flags --json and --csv"},
		{[]string{"--csv", "--json"}, "flags --json and --csv"},
		{[]string{"-s", "--csv"}, "flags -s (--summary) and --csv"},
		{[]string{"-tas", "--csv"}, "flags -s (--summary) and --csv"},
		{[]string{"-s", "--sort", "state"}, "flags -s (--summary) and --sort"},
		{[]string{"-s", "--columns", "state"}, "flags -s (--summary) and --columns"},
		{[]string{"--csv", "--columns", "state"}, "flags --csv and --columns"},
		{[]string{"--columns", "state", "--json"}, "flags --json and --columns"},
		// Column names that are not: the error lists those that are.
		{[]string{"--columns", "state,nope"}, `flag --columns: unknown column "nope" (the columns are netns, proto, state, recv_q,`},
		{[]string{"--columns", "state,"}, `flag --columns: empty column name in "state,"`},
		{[]string{"--sort", "state:up"}, `flag --sort: "state:up": the order is asc or desc`},
		{[]string{"--sort", "Local Address"}, `flag --sort: unknown column "Local Address"`},
		{[]string{"--sort"}, "flag --sort needs a value (COL[:desc],...)"},
	})
}

// The listing's help names every column --columns and --sort take.
func TestListUsageNamesColumns(t *testing.T) {
	for _, name := range render.ColumnNames() {
		if !regexp.MustCompile(`\s` + name + `[,;]`).MatchString(cli.ListUsage) {
			t.Errorf("conntab list -h does not name the column %s", name)
		}
	}
}

// A snapshot that came with a decoding error is listed, and the error,
// naming where decoding failed, comes after it with exit status 1.
func TestListPartialSnapshot(t *testing.T) {
	decodeErr := &collect.DecodeError{Where: "netlink tcp/inet", Offset: 8800, Err: errors.New("inet_diag_msg truncated")}
	var out bytes.Buffer
	snap := reporttest.ListingSnapshot()
	err := listSnapshot(snap, decodeErr, render.ListingOptions{NoHeader: true}, &render.Labeler{Labeler: names.Labeler{Services: names.DefaultServices(), Host: &snap.Host}}, &out)
	if !errors.Is(err, collect.ErrDecode) || cli.Status(err) != 1 || !strings.Contains(cli.OneLine(err), "offset 8800") {
		t.Fatalf("err = %v (exit %d), want the decode error naming offset 8800, exit 1", err, cli.Status(err))
	}
	if got, want := strings.Count(out.String(), "\n"), len(reporttest.ListingSnapshot().Sockets); got != want {
		t.Errorf("listed %d rows, want the %d sockets that decoded", got, want)
	}
}

// A filter that does not parse is a usage error that shows the filter with
// a caret under the place.
func TestFilterErrorText(t *testing.T) {
	err := run(t.Context(), []string{"list", "-t", "state", "time-wait", "dport", "="}, io.Discard, io.Discard)
	if cli.Status(err) != 2 {
		t.Fatalf("exit %d (%v), want 2", cli.Status(err), err)
	}
	want := "conntab: bad filter at column 24: expected a port after \"dport =\"\n" +
		"  state time-wait dport =\n" +
		"                         ^\n" +
		"Run 'conntab help' for usage.\n"
	if diff := cmp.Diff(want, cli.ErrorText(err)); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestFilterFromFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("sport = :22 )\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(t.Context(), []string{"list", "-F", bad}, io.Discard, io.Discard)
	var se *filter.SyntaxError
	if cli.Status(err) != 2 || !errors.As(err, &se) || se.Col != 13 {
		t.Fatalf("err = %v (exit %d), want the file's syntax error at column 13, exit 2", err, cli.Status(err))
	}
	if err := run(t.Context(), []string{"list", "-F", bad, "sport", "=", ":22"}, io.Discard, io.Discard); cli.Status(err) != 2 {
		t.Errorf("a filter in -F and in the arguments: err = %v, want a usage error", err)
	}
	good := filepath.Join(dir, "good")
	if err := os.WriteFile(good, []byte("state listening\n  sport = :22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if text, err := cli.FilterText(good, nil, os.ReadFile); err != nil || text != "state listening\n  sport = :22" {
		t.Errorf("FilterText = %q, %v", text, err)
	}
}

// The listing's flags reach render.Listing: the format (-s with --json
// is the summary's JSON), the header and the optional columns.
func TestListingOptions(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want render.ListingOptions
	}{
		{nil, render.ListingOptions{}},
		{[]string{"-eo"}, render.ListingOptions{Columns: render.ColumnSet{Extended: true, Timers: true}}},
		{[]string{"-H"}, render.ListingOptions{NoHeader: true}},
		{[]string{"--json"}, render.ListingOptions{Format: render.ListingJSON}},
		{[]string{"--csv", "-H"}, render.ListingOptions{Format: render.ListingCSV, NoHeader: true}},
		{[]string{"-s"}, render.ListingOptions{Format: render.ListingSummary}},
		{[]string{"--json", "-s"}, render.ListingOptions{Format: render.ListingSummaryJSON}},
		{[]string{"-p", "--flags"}, render.ListingOptions{Columns: render.ColumnSet{Processes: true, Flags: true}}},
		{[]string{"--columns", "State,peer,Recv-Q", "--sort=state,remote:desc"}, render.ListingOptions{
			Names: []string{"state", "remote", "recv_q"}, Sort: []render.SortKey{{Column: "state"}, {Column: "remote", Desc: true}}}},
		{[]string{"--json", "--sort", "process"}, render.ListingOptions{Format: render.ListingJSON, Sort: []render.SortKey{{Column: "process"}}}},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var o cli.ListOptions
			if _, err := parseArgs(tt.args, o.Flags()); err != nil {
				t.Fatal(err)
			}
			got, err := render.ListingFor(&o)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
