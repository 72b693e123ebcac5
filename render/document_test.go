package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/conntab/conntab/internal/reporttest"
)

// A listener held by a process whose name holds a right-to-left override
// and a C1 control: the JSON document escapes both, and decodes to the
// very name.
func TestListenersDocumentEscapes(t *testing.T) {
	const name = "ev\u202eil\u009b"
	r := reporttest.ListenersReport(reporttest.ListenersSnapshot())
	found := false
	for i := range r.Listeners {
		for k := range r.Listeners[i].Owners {
			r.Listeners[i].Owners[k].Comm = name
			found = true
		}
	}
	if !found {
		t.Fatal("the fixture's listeners have no processes")
	}
	var b bytes.Buffer
	if err := ListenersDocument(&b, r); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); strings.Contains(out, "\u202e") || strings.Contains(out, "\u009b") {
		t.Fatalf("the document holds a raw format or C1 character:\n%s", out)
	}
	var doc ListenersJSON
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, l := range doc.Listeners {
		for _, p := range l.Processes {
			if p.Comm != name {
				t.Errorf("comm decodes as %q, want %q", p.Comm, name)
			}
		}
	}
}
