package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/filter"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/render/escape"
)

// updating reports whether -update was given: the flag that teatest's
// golden package defines (the dashboard's tests import it), or, where it
// is not linked in, this package's own.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files in testdata/golden")
	}
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// fixedSnapshot is a snapshot with one socket of each shape the listing
// spells differently.
func fixedSnapshot() *model.Snapshot {
	const ns = 4026532000
	return &model.Snapshot{
		Source: model.SourceNetlink,
		NetNS:  ns,
		Host:   model.HostFacts{Ephemeral: model.PortRange{Lo: 32768, Hi: 60999}},
		Sockets: []model.Socket{
			{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateListen, Local: ap("0.0.0.0:22"), Remote: ap("0.0.0.0:0"),
				RecvQ: 0, SendQ: 4096, Inode: 1001, Cookie: 11, NetNS: ns},
			{Proto: model.ProtoTCP, Family: model.FamilyInet6, State: model.StateListen, Local: ap("[::]:443"), Remote: ap("[::]:0"),
				RecvQ: 2, SendQ: 511, Inode: 1002, Cookie: 12, UID: 33, NetNS: ns},
			{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateEstablished, Local: ap("10.0.0.5:41000"), Remote: ap("10.0.0.9:5432"),
				RecvQ: 0, SendQ: 1448, Inode: 1003, Cookie: 13, UID: 1000, NetNS: ns,
				Timer: model.Timer{Kind: model.TimerOn, Expires: 204 * time.Millisecond, Retrans: 1}},
			{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateTimeWait, Local: ap("127.0.0.1:40000"), Remote: ap("127.0.0.1:8080"),
				Cookie: 4127, NetNS: ns, Timer: model.Timer{Kind: model.TimerTimewait, Expires: 59 * time.Second}},
			{Proto: model.ProtoTCP, Family: model.FamilyInet6, State: model.StateCloseWait, Local: ap("127.0.0.1:8443"), Remote: ap("127.0.0.1:51000"),
				RecvQ: 1, Inode: 1004, Cookie: 14, NetNS: ns}, // v4-mapped
			{Proto: model.ProtoTCP, Family: model.FamilyInet6, State: model.StateSynSent, Local: ap("[2001:db8::1]:33000"), Remote: ap("[2001:db8::2]:6379"),
				Inode: 1005, Cookie: 15, NetNS: ns, Timer: model.Timer{Kind: model.TimerOn, Expires: 3*time.Second + 10*time.Millisecond, Retrans: 2}},
			{Proto: model.ProtoUDP, Family: model.FamilyInet, State: model.StateUnconn, Local: ap("0.0.0.0:53"), Remote: ap("0.0.0.0:0"),
				Inode: 1006, Cookie: 16, NetNS: ns},
			{Proto: model.ProtoUDP, Family: model.FamilyInet6, State: model.StateEstablished, Local: ap("[::1]:50000"), Remote: ap("[::1]:123"),
				RecvQ: 768, Inode: 1007, Cookie: 17, NetNS: ns},
		},
	}
}

func renderListing(t *testing.T, snap *model.Snapshot, args ...string) []byte {
	t.Helper()
	var o listOptions
	if _, err := parseArgs(args, o.flags()); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	writeListing(w, snap, &o, &render.Labeler{Labeler: names.Labeler{Services: names.DefaultServices(), Host: &snap.Host}})
	w.Flush()
	return b.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got)\n%s", path, diff)
	}
}

func TestListGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"list.txt", nil},
		{"list_eo.txt", []string{"-eo"}},
		{"list_noheader.txt", []string{"-H"}},
		{"list.ndjson", []string{"--json"}},
		{"list.csv", []string{"--csv"}},
		{"summary.txt", []string{"-s"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, tt.name, renderListing(t, fixedSnapshot(), tt.args...))
		})
	}
}

// TestJSONRoundTrip reads every line of --json back with encoding/json and
// checks it says what the socket holds.
func TestJSONRoundTrip(t *testing.T) {
	snap := fixedSnapshot()
	out := renderListing(t, snap, "--json")
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(snap.Sockets) {
		t.Fatalf("%d lines for %d sockets", len(lines), len(snap.Sockets))
	}
	for i, line := range lines {
		var j render.SocketJSON
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&j); err != nil {
			t.Fatalf("line %d %q: %v", i+1, line, err)
		}
		s := &snap.Sockets[i]
		local := netip.AddrPortFrom(netip.MustParseAddr(j.Local.Addr), j.Local.Port)
		remote := netip.AddrPortFrom(netip.MustParseAddr(j.Remote.Addr), j.Remote.Port)
		state, err := model.ParseState(j.State)
		if err != nil {
			t.Fatal(err)
		}
		got := model.Socket{
			Proto: s.Proto, Family: s.Family, State: state, Local: local, Remote: remote,
			RecvQ: j.RecvQ, SendQ: j.SendQ, UID: j.UID, Inode: j.Inode, NetNS: j.NetNS,
			Timer: model.Timer{Expires: time.Duration(j.Timer.ExpiresMS) * time.Millisecond, Retrans: j.Timer.Retrans, Kind: s.Timer.Kind},
		}
		if _, err := fmtSscan(j.Cookie, &got.Cookie); err != nil {
			t.Fatal(err)
		}
		if j.Proto != s.Proto.String() || j.Family != s.Family.String() || j.Timer.Kind != s.Timer.Kind.String() {
			t.Errorf("line %d: proto/family/timer %q %q %q", i+1, j.Proto, j.Family, j.Timer.Kind)
		}
		if diff := cmp.Diff(*s, got, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
			t.Errorf("line %d (-want +got)\n%s", i+1, diff)
		}
		if (j.AcceptQ != nil) != (s.State == model.StateListen) {
			t.Errorf("line %d: accept_q present = %v on %s", i+1, j.AcceptQ != nil, s.State)
		}
	}
}

func TestParseArgs(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want listOptions
		rest []string
	}{
		{[]string{"-tan"}, listOptions{tcp: true, all: true}, nil},
		{[]string{"-tuln"}, listOptions{tcp: true, udp: true, listening: true}, nil},
		{[]string{"-4", "-eo", "-H"}, listOptions{inet: true, extended: true, timers: true, noHeader: true}, nil},
		{[]string{"--source=proc", "--json"}, listOptions{mode: 2, format: "json"}, nil},
		{[]string{"--source", "netlink", "-s"}, listOptions{mode: 1, summary: true}, nil},
		{[]string{"-N", "blue"}, listOptions{netns: "blue"}, nil},
		{[]string{"-aNblue"}, listOptions{all: true, netns: "blue"}, nil},
		{[]string{"--netns=/proc/1/ns/net", "--", "-t"}, listOptions{netns: "/proc/1/ns/net"}, []string{"-t"}},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var o listOptions
			rest, err := parseArgs(tt.args, o.flags())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, o, cmp.AllowUnexported(listOptions{})); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tt.rest, rest); diff != "" {
				t.Errorf("rest (-want +got)\n%s", diff)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-x"}, {"list", "-tz"}, {"--nope"}, {"--json=yes"}, {"--source"}, {"--source", "kernel"},
		{"-N"}, {"frobnicate"}, {"list", "stray"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(t.Context(), args, &out, &errb)
			if !errors.Is(err, errUsage) || exitCode(err) != 2 {
				t.Fatalf("err = %v (exit %d), want a usage error, exit 2", err, exitCode(err))
			}
			if out.Len() != 0 {
				t.Errorf("wrote %q on a usage error", out.String())
			}
		})
	}
}

// TestHostileText: text that is not conntab's own never reaches the
// output raw, and JSON stays valid.
func TestHostileText(t *testing.T) {
	for _, s := range []string{"\x1b]0;owned\x07", "a\x1b[2Jb", "\xff\xfe", "tab\there", "c1\u009b31m", "ok-name", `q"u\o`} {
		safe := string(escape.AppendSafe(nil, s))
		for _, c := range []byte(safe) {
			if c < 0x20 || c == 0x7f {
				t.Errorf("AppendSafe(%q) = %q keeps control byte %#x", s, safe, c)
			}
		}
		if strings.Contains(safe, "\u009b") {
			t.Errorf("AppendSafe(%q) = %q keeps a C1 control", s, safe)
		}
		j := escape.AppendJSONString(nil, s)
		if !json.Valid(j) {
			t.Errorf("AppendJSONString(%q) = %s is not valid JSON", s, j)
		}
	}
}

// A snapshot that came with a decoding error is listed, and the error,
// naming where decoding failed, comes after it with exit status 1.
func TestListPartialSnapshot(t *testing.T) {
	decodeErr := &collect.DecodeError{Where: "netlink tcp/inet", Offset: 8800, Err: errors.New("inet_diag_msg truncated")}
	var out bytes.Buffer
	snap := fixedSnapshot()
	err := listSnapshot(snap, decodeErr, &listOptions{noHeader: true}, &render.Labeler{Labeler: names.Labeler{Services: names.DefaultServices(), Host: &snap.Host}}, &out)
	if !errors.Is(err, collect.ErrDecode) || exitCode(err) != 1 || !strings.Contains(oneLine(err), "offset 8800") {
		t.Fatalf("err = %v (exit %d), want the decode error naming offset 8800, exit 1", err, exitCode(err))
	}
	if got, want := strings.Count(out.String(), "\n"), len(fixedSnapshot().Sockets); got != want {
		t.Errorf("listed %d rows, want the %d sockets that decoded", got, want)
	}
}

// A filter that does not parse is a usage error that shows the filter with
// a caret under the place.
func TestFilterErrorText(t *testing.T) {
	err := run(t.Context(), []string{"list", "-t", "state", "time-wait", "dport", "="}, io.Discard, io.Discard)
	if exitCode(err) != 2 {
		t.Fatalf("exit %d (%v), want 2", exitCode(err), err)
	}
	want := "conntab: filter: expected a port after \"dport =\" at column 24\n" +
		"  state time-wait dport =\n" +
		"                         ^\n" +
		"Run 'conntab help' for usage.\n"
	if diff := cmp.Diff(want, errorText(err)); diff != "" {
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
	if exitCode(err) != 2 || !errors.As(err, &se) || se.Col != 13 {
		t.Fatalf("err = %v (exit %d), want the file's syntax error at column 13, exit 2", err, exitCode(err))
	}
	if err := run(t.Context(), []string{"list", "-F", bad, "sport", "=", ":22"}, io.Discard, io.Discard); exitCode(err) != 2 {
		t.Errorf("a filter in -F and in the arguments: err = %v, want a usage error", err)
	}
	var o listOptions
	good := filepath.Join(dir, "good")
	if err := os.WriteFile(good, []byte("state listening\n  sport = :22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o.filterFile = good
	if text, err := o.filterText(nil); err != nil || text != "state listening\n  sport = :22" {
		t.Errorf("filterText = %q, %v", text, err)
	}
}
