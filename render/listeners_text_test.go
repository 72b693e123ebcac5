package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/conntab/conntab/internal/reporttest"
	"github.com/conntab/conntab/model"
)

func TestListenersGolden(t *testing.T) {
	r := reporttest.ListenersReport(reporttest.ListenersSnapshot())
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	ListenersText(w, r, ListenersTextOptions{NetNS: "blue", Width: MaxWidth, Root: false})
	w.Flush()
	reporttest.Golden(t, "listeners.txt", b.Bytes())
	if strings.ContainsAny(b.String(), "\x1b\x07") {
		t.Error("a control character from a process name reached the text")
	}

	b.Reset()
	if err := ListenersDocument(&b, r); err != nil {
		t.Fatal(err)
	}
	reporttest.Golden(t, "listeners.json", b.Bytes())
	var j ListenersJSON
	dec := json.NewDecoder(&b)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		t.Fatal(err)
	}
	if len(j.Listeners) != 9 || j.Severity != "warn" {
		t.Errorf("%d listeners, severity %q; want 9, warn", len(j.Listeners), j.Severity)
	}

	// A quiet host, read from /proc.
	snap := reporttest.ListenersSnapshot()
	snap.Sockets = snap.Sockets[1:2]
	snap.Source = model.SourceProc
	b.Reset()
	w.Reset(&b)
	ListenersText(w, reporttest.ListenersReport(snap), ListenersTextOptions{Width: MaxWidth, Root: true})
	w.Flush()
	reporttest.Golden(t, "listeners_clean.txt", b.Bytes())
}
