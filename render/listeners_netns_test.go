package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/internal/reporttest"
	"github.com/conntab/conntab/model"
)

// twoAudits are reporttest's audit in a namespace whose container's name
// holds a right-to-left override, and an empty audit of a namespace known
// by its inode alone.
func twoAudits() []NamespaceListeners {
	r := reporttest.ListenersReport(reporttest.ListenersSnapshot())
	r.NetNS = 4026532301
	empty := &audit.ListenerReport{NetNS: 4026532302, Taken: r.Taken, Source: r.Source, UnprivilegedPortStart: 1024}
	ns := &model.Namespace{Inode: r.NetNS, Container: &model.Container{Runtime: "docker", ID: strings.Repeat("cd", 32), Name: "db\u202e"}}
	return []NamespaceListeners{{NS: ns, Report: r}, {Report: empty}}
}

// TestListenersNamespacesText: every listener row and every finding
// leads with its namespace's name, escaped.
func TestListenersNamespacesText(t *testing.T) {
	nss := twoAudits()
	if len(nss[0].Report.Findings) == 0 || len(nss[0].Report.Listeners) == 0 {
		t.Fatal("the fixture has no listeners or no findings")
	}
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	if err := WriteListeners(w, &ListenersOutput{Nets: nss, Several: true, Text: ListenersTextOptions{Width: MaxWidth, Root: true}}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	out := b.String()
	if strings.Contains(out, "\u202e") {
		t.Fatalf("a raw override reached the text:\n%s", out)
	}
	name := safe("db\u202e")
	_, rest, _ := strings.Cut(out, "\nLISTENERS\n")
	table, findings, _ := strings.Cut(rest, "\n\nFINDINGS\n")
	rows := strings.Split(table, "\n")[1:]
	if len(rows) != len(nss[0].Report.Listeners) {
		t.Errorf("%d listener rows, want %d:\n%s", len(rows), len(nss[0].Report.Listeners), out)
	}
	for _, row := range rows {
		if !strings.HasPrefix(row, name+" ") {
			t.Errorf("listener row without its namespace: %q", row)
		}
	}
	n := 0
	for _, line := range strings.Split(findings, "\n") {
		if line != "" && !strings.HasPrefix(line, " ") {
			n++
			if !strings.Contains(line, "  "+name+": ") {
				t.Errorf("finding without its namespace: %q", line)
			}
		}
	}
	if n != len(nss[0].Report.Findings) {
		t.Errorf("%d findings, want %d:\n%s", n, len(nss[0].Report.Findings), out)
	}
}

// TestListenersNamespacesJSON: one audit per namespace, named, with the
// worst severity on top.
func TestListenersNamespacesJSON(t *testing.T) {
	nss := twoAudits()
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	if err := WriteListeners(w, &ListenersOutput{Nets: nss, Several: true, JSON: true}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	var got ListenersNamespacesJSON
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v:\n%s", err, b.String())
	}
	if got.Severity != nss[0].Report.Severity().String() || len(got.Namespaces) != 2 {
		t.Fatalf("severity %q, %d namespaces", got.Severity, len(got.Namespaces))
	}
	a, c := got.Namespaces[0], got.Namespaces[1]
	if a.Name != "db\u202e" || a.Container == nil || a.Container.Runtime != "docker" || a.NetNS != 4026532301 || len(a.Findings) != len(nss[0].Report.Findings) {
		t.Errorf("first namespace: %+v", a.NamespaceJSON)
	}
	if c.Name != "4026532302" || c.Container != nil || len(c.Listeners) != 0 || c.Severity != "none" {
		t.Errorf("second namespace: %+v", c)
	}
	if strings.Contains(b.String(), "\u202e") {
		t.Errorf("a raw override in the JSON:\n%s", b.String())
	}
}
