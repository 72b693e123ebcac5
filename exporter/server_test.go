package exporter

import (
	"compress/gzip"
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

	"github.com/conntab/conntab/internal/reporttest"
	"github.com/conntab/conntab/model"
)

// ports10 is a small namespace to scrape: the pools of
// reporttest.PortsSnapshot with 10 sockets to 10.0.0.9:5432.
func ports10() *model.Snapshot { return reporttest.PortsSnapshot(10) }

// serveTest serves e on a loopback port for the test's life.
func serveTest(t testing.TB, e *Exporter) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Serve(ctx, ln, log.New(io.Discard, "", 0)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
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
	e, calls := fakeExporter(ports10, 0, 20)
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
	e, calls := fakeExporter(ports10, 300*time.Millisecond, 20)
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

// More scrapes at once than maxScrapesInFlight: the rest wait for a slot
// and are served in turn, sharing a later sample.
func TestServeMoreScrapesThanSlots(t *testing.T) {
	e, calls := fakeExporter(ports10, 200*time.Millisecond, 20)
	base := serveTest(t, e)
	const n = maxScrapesInFlight + 8
	var wg sync.WaitGroup
	var ok atomic.Int32
	for range n {
		wg.Go(func() {
			if s, _ := get(t, "GET", base+"/metrics"); s == 200 {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != n || calls.Load() > 4 {
		t.Errorf("%d of %d served, %d samples taken", ok.Load(), n, calls.Load())
	}
}

// A snapshot that outlasts its deadline is cut short: the scrape still
// answers, saying the collection failed, and the next one takes a new
// snapshot.
func TestServeCollectTimeout(t *testing.T) {
	collect, calls := fakeCollect(ports10, time.Hour)
	e := New(Config{Collect: collect, Timeout: 200 * time.Millisecond, Top: 20})
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

// The formats and codings a scraper may ask for: gzip when accepted,
// OpenMetrics when preferred, headers alone for HEAD; the same metrics
// in each.
func TestServeEncodings(t *testing.T) {
	e, _ := fakeExporter(ports10, 0, 20)
	base := serveTest(t, e)
	fetch := func(method, accept, encoding string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, base+"/metrics", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", accept)
		req.Header.Set("Accept-Encoding", encoding)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r io.Reader = resp.Body
		if resp.Header.Get("Content-Encoding") == "gzip" && method != "HEAD" {
			if r, err = gzip.NewReader(resp.Body); err != nil {
				t.Fatal(err)
			}
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}
	const line = `conntab_sockets{family="inet",proto="tcp",state="TIME_WAIT"} `
	for _, tt := range []struct {
		method, accept, encoding string
		gzip                     bool
		contentType, tail        string
	}{
		{"GET", "text/plain", "identity", false, "text/plain; version=0.0.4", "\n"},
		{"GET", "", "gzip, deflate", true, "text/plain; version=0.0.4", "\n"},
		{"GET", "", "*;q=0.5, gzip;q=0", false, "text/plain; version=0.0.4", "\n"},
		{"GET", "application/openmetrics-text;version=1.0.0", "gzip", true, "application/openmetrics-text; version=1.0.0", "# EOF\n"},
		{"HEAD", "", "gzip", true, "text/plain; version=0.0.4", ""},
	} {
		resp, body := fetch(tt.method, tt.accept, tt.encoding)
		name := fmt.Sprintf("%s Accept %q Accept-Encoding %q", tt.method, tt.accept, tt.encoding)
		if resp.StatusCode != 200 || (resp.Header.Get("Content-Encoding") == "gzip") != tt.gzip ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), tt.contentType) || resp.ContentLength <= 0 {
			t.Errorf("%s: %s, Content-Type %q, Content-Encoding %q, Content-Length %d", name, resp.Status,
				resp.Header.Get("Content-Type"), resp.Header.Get("Content-Encoding"), resp.ContentLength)
		}
		if tt.method == "HEAD" {
			if body != "" {
				t.Errorf("%s: a body of %d bytes", name, len(body))
			}
			continue
		}
		if !strings.Contains(body, line) || !strings.HasSuffix(body, tt.tail) {
			t.Errorf("%s: no %q or not ending in %q:\n%s", name, line, tt.tail, body)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for _, tt := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"deflate, gzip;q=1.0, *;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0.0", false},
		{"*", true},
		{"*;q=0", false},
		{"*, gzip;q=0", false},
		{"identity", false},
		{"x-gzip", false},
		{"gzip;q=nonsense", true},
	} {
		if got := acceptsGzip(tt.header); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}
