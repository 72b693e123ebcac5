package exporter

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/prometheus/common/expfmt"
	promodel "github.com/prometheus/common/model"

	"github.com/conntab/conntab/internal/reporttest"
	"github.com/conntab/conntab/model"
)

// fakeCollect reads snap, taking delay, and counts its calls.
func fakeCollect(snap func() *model.Snapshot, delay time.Duration) (func(context.Context) (*model.Snapshot, error), *atomic.Int32) {
	var calls atomic.Int32
	return func(ctx context.Context) (*model.Snapshot, error) {
		calls.Add(1)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, fmt.Errorf("collect: %w", ctx.Err())
		}
		return snap(), nil
	}, &calls
}

// fakeExporter is an Exporter whose snapshots are snap, each taking
// delay, counted in calls.
func fakeExporter(snap func() *model.Snapshot, delay time.Duration, top int) (*Exporter, *atomic.Int32) {
	collect, calls := fakeCollect(snap, delay)
	return New(Config{Collect: collect, Timeout: 2 * time.Second, Top: top}), calls
}

// expositionOf is what e serves once, in the text format, without
// conntab_build_info (which names the Go version).
func expositionOf(t *testing.T, e *Exporter) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := e.WriteOnce(&b); err != nil {
		t.Fatal(err)
	}
	return familiesOf(b.Bytes(), func(name string) bool { return name != "conntab_build_info" })
}

// familiesOf is the families of a text exposition that keep says to keep.
func familiesOf(exposition []byte, keep func(name string) bool) []byte {
	var b bytes.Buffer
	kept := false
	for line := range strings.Lines(string(exposition)) {
		if name, ok := strings.CutPrefix(line, "# HELP "); ok {
			name, _, _ = strings.Cut(name, " ")
			kept = keep(name)
		}
		if kept {
			b.WriteString(line)
		}
	}
	return b.Bytes()
}

// The metrics of reporttest.PortsSnapshot(169): its pools, listeners,
// TIME_WAIT by destination, settings and counters, as a golden
// exposition (written by client_golang before conntab wrote its own, and
// unchanged since); and the same with --top 1, which keeps one series of
// each per-item metric.
func TestExporterGolden(t *testing.T) {
	e, _ := fakeExporter(func() *model.Snapshot { return reporttest.PortsSnapshot(169) }, 0, 20)
	got := expositionOf(t, e)
	reporttest.Golden(t, "metrics.txt", got)

	problems, err := promlint.New(bytes.NewReader(got)).Lint()
	if err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %+v", err, problems)
	}

	e, _ = fakeExporter(func() *model.Snapshot { return reporttest.PortsSnapshot(169) }, 0, 1)
	top1 := expositionOf(t, e)
	parser := expfmt.NewTextParser(promodel.LegacyValidation)
	mfs, err := parser.TextToMetricFamilies(bytes.NewReader(top1))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"conntab_pool_in_use_ports", "conntab_listener_accept_queue", "conntab_destination_time_wait_sockets"} {
		if n := len(mfs[name].GetMetric()); n != 1 {
			t.Errorf("--top 1: %d series of %s", n, name)
		}
	}
	want := `# HELP conntab_listener_accept_queue Connections waiting for accept() on a TCP listener; the listeners fullest against their backlog, at most --top.
# TYPE conntab_listener_accept_queue gauge
conntab_listener_accept_queue{local="0.0.0.0:8080"} 129
# HELP conntab_pool_utilisation_ratio The share of the pool's usable ports connect() can no longer pick (TIME_WAIT that tcp_tw_reuse may take over does not count).
# TYPE conntab_pool_utilisation_ratio gauge
conntab_pool_utilisation_ratio{local="10.0.0.5",remote="10.0.0.9:5432"} 0.8535353535353535
`
	got = familiesOf(top1, func(name string) bool {
		return name == "conntab_pool_utilisation_ratio" || name == "conntab_listener_accept_queue"
	})
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("--top 1 (-want +got)\n%s", diff)
	}
}
