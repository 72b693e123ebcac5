package analyze

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/internal/modeltest"
	"github.com/conntab/conntab/model"
)

func TestParseWhatIf(t *testing.T) {
	var w WhatIf
	for _, arg := range []string{"range=1024-65535", "reserved=8080,9000-9010", "tw_reuse=1", "timestamps = 1", "sources=4"} {
		if err := ParseWhatIf(&w, arg); err != nil {
			t.Fatalf("%q: %v", arg, err)
		}
	}
	h := model.HostFacts{Ephemeral: model.PortRange{Lo: 40000, Hi: 40199}}
	h.Settings.TCPTwReuse, h.Settings.TCPTimestamps = 2, 0
	got := w.Changes(&h)
	want := []Change{
		{"ip_local_port_range", "40000-40199", "1024-65535"},
		{"ip_local_reserved_ports", "", "8080,9000-9010"},
		{"tcp_tw_reuse", "2", "1"},
		{"tcp_timestamps", "0", "1"},
		{"local source addresses per destination", "1", "4"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Changes (-want +got):\n%s", diff)
	}
	after := w.Apply(h)
	if after.Ephemeral != (model.PortRange{Lo: 1024, Hi: 65535}) || len(after.Reserved) != 2 ||
		after.Settings.TCPTwReuse != 1 || after.Settings.TCPTimestamps != 1 {
		t.Errorf("Apply: %+v", after)
	}
	if h.Ephemeral.Lo != 40000 || h.Settings.TCPTwReuse != 2 {
		t.Errorf("Apply changed the facts it was given: %+v", h)
	}
	if !(&WhatIf{}).IsZero() || w.IsZero() {
		t.Error("IsZero: wrong for an empty or a full what-if")
	}
}

func TestParseWhatIfRefuses(t *testing.T) {
	for arg, want := range map[string]string{
		"range=1024":       "want two ports, low first",
		"range=65535-1024": "want two ports, low first",
		"range=0-100":      "want two ports, low first",
		"tw_reuse=3":       "want 0, 1 or 2",
		"tw-reuse=1":       `no setting "tw-reuse"; want one of range, reserved, tw_reuse, timestamps, sources`,
		"range":            "want SETTING=VALUE",
		"reserved=9-1":     "want a list of ports",
		"sources=1":        "want a number of addresses from 2 to 1024",
		"sources=two":      "want a number of addresses from 2 to 1024",
	} {
		err := ParseWhatIf(new(WhatIf), arg)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), strconv.Quote(arg)) {
			t.Errorf("%q: error %v; want one quoting it and saying %q", arg, err, want)
		}
	}
}

// FuzzParseWhatIf: any argument is taken or refused with an error that
// quotes it; one taken changes something, and a range taken is one
// connect() can pick from.
func FuzzParseWhatIf(f *testing.F) {
	for _, s := range modeltest.QuotedSeeds(f, filepath.Join("..", "testdata", "whatif", "seeds.txt")) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		var w WhatIf
		err := ParseWhatIf(&w, arg)
		if err != nil {
			if !strings.Contains(err.Error(), strconv.Quote(arg)) {
				t.Fatalf("%q: error %q does not quote it", arg, err)
			}
			return
		}
		if w.IsZero() {
			t.Fatalf("%q taken, but it changes nothing: %+v", arg, w)
		}
		if r := w.Range; r != (model.PortRange{}) && (r.Lo == 0 || r.Lo > r.Hi) {
			t.Fatalf("%q: range %v taken", arg, r)
		}
		if len(w.Changes(&model.HostFacts{})) != 1 {
			t.Fatalf("%q: %d changes, want 1", arg, len(w.Changes(&model.HostFacts{})))
		}
	})
}
