package exporter

import (
	"bytes"
	"log"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/sample"
)

// Names and help texts Prometheus would not read back as written are
// refused when the desc is made.
func TestNewDescRefuses(t *testing.T) {
	for _, tt := range []struct {
		name, help string
		kind       kind
		labels     []string
	}{
		{"", "h", gauge, nil},
		{"9lives", "h", gauge, nil},
		{"conntab-sockets", "h", gauge, nil},
		{"conntab_sockets", "h", counter, nil}, // a counter without _total
		{"conntab_sockets", "", gauge, nil},
		{"conntab_sockets", " leading blank", gauge, nil},
		{"conntab_sockets", "\tleading tab", gauge, nil},
		{"conntab_sockets", "bad \xff", gauge, nil},
		{"conntab_sockets", "h", gauge, []string{"a:b"}},
		{"conntab_sockets", "h", gauge, []string{"__reserved"}},
		{"conntab_sockets", "h", gauge, []string{"state", "proto", "state"}},
		{"conntab_sockets", "h", gauge, []string{""}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("newDesc(%q, %q, %v, %q) did not panic", tt.name, tt.help, tt.kind, tt.labels)
				}
			}()
			newDesc(tt.name, tt.help, tt.kind, tt.labels...)
		}()
	}
	d := newDesc("conntab:x_total", "h", counter, "proto", "family", "state", "_ok")
	if want := []string{"_ok", "family", "proto", "state"}; !cmp.Equal(d.labels, want) {
		t.Errorf("labels %q, want %q", d.labels, want)
	}
}

// A scrape's families come sorted by name and their series by label
// values whatever order the collectors add them in; a series added twice,
// a name described twice and the wrong number of label values are errors
// that leave the rest served.
func TestGather(t *testing.T) {
	b := newDesc("conntab_b", "B.", gauge, "y", "x")
	a := newDesc("conntab_a_total", "A.", counter)
	a2 := newDesc("conntab_a_total", "A again.", counter)
	var out sink
	out.add(b, 1, "2", "1") // y=2, x=1
	out.add(b, 2, "1", "2")
	out.add(b, 3, "1", "1")
	out.add(b, 4, "1", "1") // the same series again
	out.add(b, 5, "only one")
	out.add(a, 6)
	out.add(a2, 7)
	out.add(b, 8, "1", "\xff")
	fams, err := gather(out.metrics)
	var got strings.Builder
	for _, f := range fams {
		for _, m := range f.metrics {
			got.WriteString(f.desc.name + labelText(m) + " ")
			got.Write(appendFloat(nil, m.value, false))
			got.WriteString("\n")
		}
	}
	want := `conntab_a_total{} 6
conntab_b{x="1",y="1"} 3
conntab_b{x="1",y="2"} 1
conntab_b{x="2",y="1"} 2
` + "conntab_b{x=\"\uFFFD\",y=\"1\"} 8\n"
	if diff := cmp.Diff(want, got.String()); diff != "" {
		t.Errorf("gathered (-want +got)\n%s", diff)
	}
	for _, e := range []string{`conntab_b{x="1",y="1"}: collected twice`, "conntab_a_total: described twice"} {
		if err == nil || !strings.Contains(err.Error(), e) {
			t.Errorf("gather error %v, want %q", err, e)
		}
	}
	if len(out.errs) != 1 || !strings.Contains(out.errs[0].Error(), "conntab_b: 1 label values for 2 labels") {
		t.Errorf("sink errors %v", out.errs)
	}
}

// A scrape whose metrics could be gathered in part is served what could,
// and the error is told once.
func TestBodyServesWhatWasGathered(t *testing.T) {
	e, _ := fakeExporter(ports10, 0, 20)
	bad := newDesc("conntab_sockets", "Another.", gauge)
	e.collectors = append(e.collectors, collectorFunc(func(out *sink) { out.add(bad, 1) }))
	s := e.join()
	<-s.done
	var logged bytes.Buffer
	logger := log.New(&logged, "", 0)
	for _, enc := range []encoding{{}, {openMetrics: true}, {gzip: true}} {
		body, err := e.body(s, enc, logger)
		if err != nil || len(body) == 0 {
			t.Fatalf("%+v: %d bytes, %v", enc, len(body), err)
		}
	}
	text, _ := e.body(s, encoding{}, logger)
	if !bytes.Contains(text, []byte("conntab_sockets{")) || bytes.Contains(text, []byte("Another.")) {
		t.Errorf("served\n%s", text)
	}
	if n := strings.Count(logged.String(), "described twice"); n != 1 {
		t.Errorf("logged %d times:\n%s", n, logged.String())
	}
}

// collectorFunc is a collector that adds what its function does.
type collectorFunc func(out *sink)

func (f collectorFunc) update(_ *sample.Net, out *sink) { f(out) }
