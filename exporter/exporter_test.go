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
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

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

// expositionOf is what e serves, in the text format, without
// conntab_build_info (which names the Go version).
func expositionOf(t *testing.T, e *Exporter) []byte {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(e)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if mf.GetName() == "conntab_build_info" {
			continue
		}
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// The metrics of reporttest.PortsSnapshot(169): its pools, listeners,
// TIME_WAIT by destination, settings and counters, as a golden
// exposition; and the same with --top 1, which keeps one series of each
// per-item metric.
func TestExporterGolden(t *testing.T) {
	e, _ := fakeExporter(func() *model.Snapshot { return reporttest.PortsSnapshot(169) }, 0, 20)
	got := expositionOf(t, e)
	reporttest.Golden(t, "metrics.txt", got)

	// What WriteOnce and /metrics serve (the shared exposition of a
	// sample) is what the registry gathers.
	var once bytes.Buffer
	if e, _ := fakeExporter(func() *model.Snapshot { return reporttest.PortsSnapshot(169) }, 0, 20); e.WriteOnce(&once) != nil {
		t.Fatal("WriteOnce failed")
	}
	var served strings.Builder
	for line := range strings.Lines(once.String()) {
		if !strings.Contains(line, "conntab_build_info") {
			served.WriteString(line)
		}
	}
	if diff := cmp.Diff(string(got), served.String()); diff != "" {
		t.Errorf("WriteOnce (-gathered +served)\n%s", diff)
	}

	problems, err := testutil.CollectAndLint(e)
	if err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %+v", err, problems)
	}

	e, _ = fakeExporter(func() *model.Snapshot { return reporttest.PortsSnapshot(169) }, 0, 1)
	for _, name := range []string{"conntab_pool_in_use_ports", "conntab_listener_accept_queue", "conntab_destination_time_wait_sockets"} {
		if n := testutil.CollectAndCount(e, name); n != 1 {
			t.Errorf("--top 1: %d series of %s", n, name)
		}
	}
	want := `
# HELP conntab_pool_utilisation_ratio The share of the pool's usable ports connect() can no longer pick (TIME_WAIT that tcp_tw_reuse may take over does not count).
# TYPE conntab_pool_utilisation_ratio gauge
conntab_pool_utilisation_ratio{local="10.0.0.5",remote="10.0.0.9:5432"} 0.8535353535353535
# HELP conntab_listener_accept_queue Connections waiting for accept() on a TCP listener; the listeners fullest against their backlog, at most --top.
# TYPE conntab_listener_accept_queue gauge
conntab_listener_accept_queue{local="0.0.0.0:8080"} 129
`
	if err := testutil.CollectAndCompare(e, strings.NewReader(want), "conntab_pool_utilisation_ratio", "conntab_listener_accept_queue"); err != nil {
		t.Error(err)
	}
}
