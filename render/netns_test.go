package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// A snapshot of several namespaces: the listing's Namespace column and
// the summary name each (container, else ip netns name, else inode),
// escaping the runtimes' text; the JSON carries "container" as written.
func TestNamespaceOutputs(t *testing.T) {
	hostile := "web\x1b]0;pwned\x07"
	snap := &model.Snapshot{Source: model.SourceNetlink, NetNS: 10, Namespaces: []model.Namespace{
		{Inode: 10, Own: true},
		{Inode: 20, Name: "blue"},
		{Inode: 30, Container: &model.Container{Runtime: "podman", ID: strings.Repeat("ab", 32), Name: hostile}},
	}}
	for _, ino := range []uint32{10, 20, 30} {
		snap.Sockets = append(snap.Sockets, model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateEstablished,
			Local: netip.MustParseAddrPort("127.0.0.1:40000"), Remote: netip.MustParseAddrPort("127.0.0.1:80"), NetNS: ino})
	}
	l := &Labeler{Labeler: names.Labeler{Snapshot: snap}}
	write := func(o ListingOptions) string {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		Listing(w, snap, o, l)
		w.Flush()
		return b.String()
	}
	table := write(ListingOptions{Columns: ColumnSet{Namespace: true}})
	summary := write(ListingOptions{Format: ListingSummary})
	for name, out := range map[string]string{"table": table, "summary": summary} {
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("%s: a runtime's name reached the terminal raw:\n%q", name, out)
		}
		for _, want := range []string{"10 ", "blue", `web\x1b]0;pwned\x07`} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: no %q in\n%s", name, want, out)
			}
		}
	}
	if !strings.HasPrefix(table, "Namespace ") {
		t.Errorf("table: Namespace is not the first column:\n%s", table)
	}
	var got []SocketJSON
	for line := range strings.Lines(write(ListingOptions{Format: ListingJSON})) {
		var j SocketJSON
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		got = append(got, j)
	}
	if len(got) != 3 || got[0].Container != nil || got[1].Container != nil || got[2].Container == nil ||
		got[2].Container.Name != hostile || got[2].Container.Runtime != "podman" || got[2].NetNS != 30 {
		t.Errorf("JSON: %+v", got)
	}
	var sj SummaryJSON
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	writeSummaryJSON(w, snap, &Selection{})
	w.Flush()
	if err := json.Unmarshal(b.Bytes(), &sj); err != nil {
		t.Fatal(err)
	}
	if len(sj.Namespaces) != 3 || sj.Namespaces[1].Name != "blue" || sj.Namespaces[2].Container.Name != hostile || sj.Namespaces[2].Estab != 1 {
		t.Errorf("summary JSON namespaces: %+v", sj.Namespaces)
	}
}
