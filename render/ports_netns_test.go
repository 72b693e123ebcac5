package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/internal/reporttest"
	"github.com/conntab/conntab/model"
)

// twoNamespaces are a namespace whose container has a hostile name, with
// reporttest's flagged report, and a clean one known by its inode alone.
func twoNamespaces() []NamespacePorts {
	flagged, clean := reporttest.PortsReport(), reporttest.PortsReportClean()
	flagged.NetNS, clean.NetNS = 4026532301, 4026532302
	ns := &model.Namespace{Inode: flagged.NetNS, Name: "blue", Container: &model.Container{Runtime: "podman", ID: strings.Repeat("ab", 32), Name: "web\x1b[31m"}}
	return []NamespacePorts{{NS: ns, Report: flagged}, {Report: clean}}
}

// TestPortsNamespacesText: every pool row and every finding names its
// namespace, escaped; each namespace has its row with its own range; the
// clean one, named by its inode, has no finding.
func TestPortsNamespacesText(t *testing.T) {
	nss := twoNamespaces()
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	PortsNamespacesText(w, nss, PortsTextOptions{Source: model.SourceNetlink, Top: 20, Width: MaxWidth, Thresholds: analyze.DefaultThresholds()})
	w.Flush()
	out := b.String()
	if strings.ContainsRune(out, '\x1b') {
		t.Fatalf("an escape reached the text:\n%s", out)
	}
	const name = `web\x1b[31m`
	section := func(head, next string) []string {
		_, after, ok := strings.Cut(out, "\n"+head+"\n")
		if !ok {
			t.Fatalf("no %s in:\n%s", head, out)
		}
		if next != "" {
			after, _, _ = strings.Cut(after, "\n\n")
		}
		return strings.Split(strings.TrimSpace(after), "\n")
	}
	ns := section("NAMESPACES", "\n")
	if len(ns) != 3 || !strings.HasPrefix(ns[1], name+" ") || !strings.HasPrefix(ns[2], "4026532302 ") {
		t.Errorf("NAMESPACES rows:\n%s", strings.Join(ns, "\n"))
	}
	pools := section("POOLS", "\n")
	for _, row := range pools[1:] {
		if !strings.HasPrefix(row, name+" ") && !strings.HasPrefix(row, "4026532302 ") {
			t.Errorf("pool row without its namespace: %q", row)
		}
	}
	findings := 0
	for _, line := range section("FINDINGS", "") {
		if line != "" && !strings.HasPrefix(line, " ") { // a finding's first line: its severity and subject
			findings++
			if !strings.Contains(line, "  "+name+": ") {
				t.Errorf("finding without its namespace: %q", line)
			}
		}
	}
	if findings != len(nss[0].Report.Findings) || findings == 0 {
		t.Errorf("%d findings shown, want the flagged namespace's %d", findings, len(nss[0].Report.Findings))
	}
}

// TestPortsNamespacesJSON: one report per namespace, named, with the worst
// severity of them all on top.
func TestPortsNamespacesJSON(t *testing.T) {
	nss := twoNamespaces()
	var b bytes.Buffer
	if err := PortsNamespacesDocument(&b, nss); err != nil {
		t.Fatal(err)
	}
	var got PortsNamespacesJSON
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v:\n%s", err, b.String())
	}
	if len(got.Namespaces) != 2 || got.Severity != nss[0].Report.Severity().String() {
		t.Fatalf("got %d namespaces, severity %q", len(got.Namespaces), got.Severity)
	}
	a, c := got.Namespaces[0], got.Namespaces[1]
	if a.Name != "web\x1b[31m" || a.IPNetNS != "blue" || a.Container == nil || a.Container.Runtime != "podman" || a.NetNS != 4026532301 ||
		len(a.Pools) != len(nss[0].Report.Pools) || len(a.Findings) != len(nss[0].Report.Findings) {
		t.Errorf("first namespace: %+v", a)
	}
	if c.Name != "4026532302" || c.Container != nil || c.Severity != "none" || len(c.Findings) != 0 {
		t.Errorf("second namespace: %+v", c)
	}
	if !bytes.Contains(b.Bytes(), []byte(`"name": "web\u001b[31m"`)) {
		t.Errorf("the name is not escaped as JSON:\n%s", b.String())
	}
}
