package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	promodel "github.com/prometheus/common/model"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// fakeExporter is an exporter whose snapshots are snap, each taking
// delay, counted in calls.
func fakeExporter(snap func() *model.Snapshot, delay time.Duration, top int) (*exporter, *atomic.Int32) {
	var calls atomic.Int32
	e := &exporter{timeout: 2 * time.Second, top: top, th: analyze.DefaultThresholds()}
	e.collect = func(ctx context.Context) (*model.Snapshot, error) {
		calls.Add(1)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, fmt.Errorf("collect: %w", ctx.Err())
		}
		return snap(), nil
	}
	return e, &calls
}

// exposition is what e serves, in the text format, without
// conntab_build_info (which names the Go version).
func exposition(t *testing.T, e *exporter) string {
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
	return b.String()
}

// The metrics of portsSnapshot(169): its pools, listeners, TIME_WAIT by
// destination, settings and counters, as a golden exposition; and the
// same with --top 1, which keeps one series of each per-item metric.
func TestExporterGolden(t *testing.T) {
	e, _ := fakeExporter(func() *model.Snapshot { return portsSnapshot(169) }, 0, 20)
	golden(t, "metrics.txt", []byte(exposition(t, e)))

	problems, err := testutil.CollectAndLint(e)
	if err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %+v", err, problems)
	}

	e, _ = fakeExporter(func() *model.Snapshot { return portsSnapshot(169) }, 0, 1)
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

// serveTest serves e on a loopback port for the test's life.
func serveTest(t *testing.T, e *exporter) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveMetrics(ctx, ln, e, log.New(io.Discard, "", 0)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serveMetrics: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

func get(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// Wrong paths and methods get the right answer and take no snapshot.
func TestServeRoutes(t *testing.T) {
	e, calls := fakeExporter(func() *model.Snapshot { return portsSnapshot(10) }, 0, 20)
	base := serveTest(t, e)
	for _, tt := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/", 200, `href="/metrics"`},
		{"GET", "/nope", 404, "404 page not found"},
		{"GET", "/metrics/extra", 404, "404 page not found"},
		{"POST", "/metrics", 405, "GET and HEAD only"},
		{"DELETE", "/metrics", 405, "GET and HEAD only"},
	} {
		status, body := get(t, tt.method, base+tt.path)
		if status != tt.status || !strings.Contains(body, tt.body) {
			t.Errorf("%s %s: %d %q, want %d with %q", tt.method, tt.path, status, body, tt.status, tt.body)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("%d snapshots taken for requests that are not scrapes", n)
	}
	status, body := get(t, "GET", base+"/metrics")
	if status != 200 || !strings.Contains(body, `conntab_sockets{family="inet",proto="tcp",state="TIME_WAIT"} `) {
		t.Errorf("GET /metrics: %d\n%s", status, body)
	}
}

// Scrapes that arrive together share one snapshot; a stalled client that
// never finishes its request holds up nobody.
func TestServeConcurrentAndSlowClients(t *testing.T) {
	e, calls := fakeExporter(func() *model.Snapshot { return portsSnapshot(10) }, 300*time.Millisecond, 20)
	base := serveTest(t, e)

	// A client that sends half a request line and waits.
	slow, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := io.WriteString(slow, "GET /metr"); err != nil {
		t.Fatal(err)
	}

	const n = 10
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Go(func() { statuses[i], _ = get(t, "GET", base+"/metrics") })
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 200 {
			t.Errorf("scrape %d: %d", i, s)
		}
	}
	if c := calls.Load(); c > 2 {
		t.Errorf("%d concurrent scrapes took %d snapshots; they should share (1, or 2 if one came late)", n, c)
	}
	// The stalled client is still waiting, and a scrape now is served.
	if status, _ := get(t, "GET", base+"/metrics"); status != 200 {
		t.Errorf("scrape beside a stalled client: %d", status)
	}
}

// More scrapes at once than maxScrapesInFlight: the rest get 503 at once,
// the others their metrics.
func TestServeTooManyScrapes(t *testing.T) {
	e, _ := fakeExporter(func() *model.Snapshot { return portsSnapshot(10) }, 500*time.Millisecond, 20)
	base := serveTest(t, e)
	const n = maxScrapesInFlight + 8
	var wg sync.WaitGroup
	var ok, busy atomic.Int32
	for range n {
		wg.Go(func() {
			switch s, _ := get(t, "GET", base+"/metrics"); s {
			case 200:
				ok.Add(1)
			case 503:
				busy.Add(1)
			default:
				t.Errorf("status %d", s)
			}
		})
	}
	wg.Wait()
	if ok.Load() == 0 || ok.Load()+busy.Load() != n {
		t.Errorf("%d ok, %d busy of %d", ok.Load(), busy.Load(), n)
	}
}

// A snapshot that outlasts its deadline is cut short: the scrape still
// answers, saying the collection failed, and the next one takes a new
// snapshot.
func TestServeCollectTimeout(t *testing.T) {
	e, calls := fakeExporter(func() *model.Snapshot { return portsSnapshot(10) }, time.Hour, 20)
	e.timeout = 200 * time.Millisecond
	base := serveTest(t, e)
	start := time.Now()
	status, body := get(t, "GET", base+"/metrics")
	if status != 200 || !strings.Contains(body, "conntab_collect_success 0") || !strings.Contains(body, "conntab_collect_errors_total 1") {
		t.Errorf("scrape of a stuck collection: %d\n%s", status, body)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the scrape took %v, past the 200ms deadline", d)
	}
	get(t, "GET", base+"/metrics")
	if c := calls.Load(); c != 2 {
		t.Errorf("%d snapshots for two scrapes in a row, want 2", c)
	}
}

func TestServeUsageErrors(t *testing.T) {
	checkUsageErrors(t, []usageCase{
		{[]string{"serve", "--listen", "10311"}, `"10311"`},
		{[]string{"serve", "--top", "-1"}, `"-1"`},
		{[]string{"serve", "--timeout", "5ms"}, `"5ms"`},
		{[]string{"serve", "--source", "kernel"}, `"kernel"`},
		{[]string{"serve", "stray"}, `"stray"`},
	})
}

// conntab serve, run as a user would, on this host: it serves until
// interrupted, and its exposition parses.
func TestServeLive(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(t.Context())
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--listen", addr}, io.Discard, &stderr) }()
	var body string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		break
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "serving metrics on http://"+addr+"/metrics") {
		t.Errorf("stderr: %q", stderr.String())
	}
	p := expfmt.NewTextParser(promodel.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(bufio.NewReader(strings.NewReader(body)))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, body)
	}
	if mfs["conntab_collect_success"].GetMetric()[0].GetGauge().GetValue() != 1 || mfs["conntab_sockets"] == nil {
		t.Errorf("exposition:\n%s", body)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// conntab serve --once writes one scrape to stdout and exits.
func TestServeOnce(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"serve", "--once"}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	p := expfmt.NewTextParser(promodel.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(&out)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"conntab_sockets", "conntab_collect_success", "conntab_build_info", "conntab_pool_utilisation_max_ratio"} {
		if mfs[name] == nil {
			t.Errorf("no %s", name)
		}
	}
}
