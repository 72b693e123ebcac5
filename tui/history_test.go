package tui

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

func TestHistory(t *testing.T) {
	m := newTestModel(t, 120, 40, testConfig(fixture(t0), fixture(t0.Add(time.Second)), fixture(t0.Add(2*time.Second))))
	m = takeSample(t, m)
	m = takeSample(t, m)
	if diff := cmp.Diff([]int{24, 24, 24}, m.header.history.series(model.StateCloseWait)); diff != "" {
		t.Errorf("CLOSE_WAIT series (-want +got):\n%s", diff)
	}
	if got := sparkline([]int{12, 12, 12}, 20); got != "███" {
		t.Errorf("flat sparkline: %q", got)
	}
	if got := sparkline([]int{0, 7, 14}, 20); got != "▁▄█" {
		t.Errorf("rising sparkline: %q", got)
	}
	// The ring keeps the last historyLen samples.
	for range historyLen + 5 {
		m = takeSample(t, m)
	}
	if n := len(m.header.history.series(model.StateTimeWait)); n != historyLen {
		t.Errorf("history holds %d samples, want %d", n, historyLen)
	}
}
