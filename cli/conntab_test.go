package cli

import (
	"errors"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/conntab/conntab/model"
	"github.com/spf13/pflag"
)

// The command line stays its own package (doc.go): it imports pflag,
// the standard library and, of conntab's packages, model and analyze
// (Thresholds), both pure, so that collect, render, tui and exporter can
// change without it.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files here (%v): nothing would be checked", err)
	}
	allowed := map[string]bool{"github.com/spf13/pflag": true, "github.com/conntab/conntab/model": true, "github.com/conntab/conntab/analyze": true}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if std := !strings.Contains(strings.Split(path, "/")[0], "."); !std && !allowed[path] {
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}

// The listing's states: -a every one, -l the listening ones, and by
// default every one but those, TIME_WAIT included (ss hides it).
func TestListStates(t *testing.T) {
	for _, tt := range []struct {
		o    ListOptions
		want model.StateSet
	}{
		{ListOptions{All: true, Listening: true}, model.AllStateSet},
		{ListOptions{Listening: true}, model.ListeningStateSet},
	} {
		if got := tt.o.States(); got != tt.want {
			t.Errorf("%+v: %v, want %v", tt.o, got, tt.want)
		}
	}
	def := (&ListOptions{}).States()
	if !def.Has(model.StateTimeWait) || !def.Has(model.StateEstablished) || def.Has(model.StateListen) || def.Has(model.StateUnconn) {
		t.Errorf("default states %v: want TIME_WAIT and ESTABLISHED, not LISTEN or UNCONN", def)
	}
}

// -N takes a name that ip netns keeps in /run/netns, or a path; as root
// only, for entering a namespace takes CAP_SYS_ADMIN.
func TestNetNSFile(t *testing.T) {
	if f, err := NetNSFile(""); f != "" || err != nil {
		t.Errorf(`NetNSFile(""): %q, %v`, f, err)
	}
	if _, err := NetNSFile("all"); !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "list, ports and listeners") {
		t.Errorf("NetNSFile(all) outside the listing: %v, want a usage error saying where it works", err)
	}
	files, all, err := NetNSFiles([]string{"", "all", "blue"})
	if !all || files != nil || (err != nil && os.Geteuid() == 0) {
		t.Errorf("NetNSFiles(all, blue): %q, %v, %v; want all", files, all, err)
	}
	if os.Geteuid() != 0 {
		if _, err := NetNSFile("blue"); err == nil || !strings.Contains(err.Error(), "(blue) needs root") {
			t.Errorf("NetNSFile(blue) without root: %v", err)
		}
		return
	}
	for given, want := range map[string]string{"blue": "/run/netns/blue", "/proc/1/ns/net": "/proc/1/ns/net"} {
		if f, err := NetNSFile(given); f != want || err != nil {
			t.Errorf("NetNSFile(%q): %q, %v, want %q", given, f, err, want)
		}
	}
}

// -N all is the listing's and the ports report's alone: the other
// commands refuse it as a usage error rather than look for a namespace
// named all.
func TestNetNSAllOnlyList(t *testing.T) {
	for name, fs := range map[string]*pflag.FlagSet{
		"top": new(TopOptions).Flags(), "serve": new(ServeOptions).Flags(),
	} {
		if err := fs.Parse([]string{"-N", "all"}); err == nil || !strings.Contains(err.Error(), "conntab list, ports and listeners") {
			t.Errorf("%s -N all: %v", name, err)
		}
	}
	var o ListOptions
	if err := o.Flags().Parse([]string{"-N", "all", "-N", "blue"}); err != nil || !o.SeveralNetNS() {
		t.Errorf("list -N all -N blue: %v, %q", err, o.NetNS)
	}
	for _, tc := range []struct {
		args    []string
		several bool
		one     string
	}{
		{nil, false, ""}, {[]string{"-N", "blue"}, false, "blue"}, {[]string{"-N", "all"}, true, ""},
		{[]string{"-N", "blue", "--netns=red"}, true, ""},
	} {
		p := DefaultPortsOptions()
		if err := p.Flags().Parse(tc.args); err != nil || p.SeveralNetNS() != tc.several || p.OneNetNS() != tc.one {
			t.Errorf("ports %q: %v, several %v, one %q", tc.args, err, p.SeveralNetNS(), p.OneNetNS())
		}
		var l ListenersOptions
		if err := l.Flags().Parse(tc.args); err != nil || l.SeveralNetNS() != tc.several || l.OneNetNS() != tc.one {
			t.Errorf("listeners %q: %v, several %v, one %q", tc.args, err, l.SeveralNetNS(), l.OneNetNS())
		}
	}
}
