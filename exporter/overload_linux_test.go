package exporter

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/model"
)

// BenchmarkScrapeOverload is a crowd of scrapers, each asking again as
// soon as it is answered, on connections kept open, against a stand-in
// Collect of some 200 sockets: at 16 clients (the slots) and 50, the good
// scrapes a second, the 503s a second, the p99 of a good scrape and the
// CPU time of this process (clients included) per good scrape. refuse is
// what a 503 costs: every slot held, refused at once.
//
//	go test ./exporter -run '^$' -bench ScrapeOverload -benchtime 20000x
func BenchmarkScrapeOverload(b *testing.B) {
	for _, clients := range []int{16, 50} {
		b.Run(fmt.Sprintf("stand-in/clients=%d", clients), func(b *testing.B) {
			e := New(Config{Collect: newGatedCollect(true).collect, Timeout: 2 * time.Second, Top: 20})
			r := hammer(serveTest(b, e)+"/metrics", clients, loadLimit{window: time.Minute, requests: int64(b.N)})
			r.report(b)
			b.ReportMetric(float64(r.ok)/float64(collects(e)), "scrapes/sample")
		})
	}
	b.Run("refuse", func(b *testing.B) {
		g := newGatedCollect(false)
		e := New(Config{Collect: g.collect, Timeout: time.Minute, Top: 20})
		e.slotWait = 0
		base := serveTest(b, e)
		fillSlots(b, e, base, g)
		b.ResetTimer()
		r := hammer(base+"/metrics", 50-maxScrapesInFlight, loadLimit{window: time.Minute, requests: int64(b.N)})
		b.ReportMetric(float64(r.cpu.Microseconds())/float64(max(r.busy, 1)), "cpu-µs/503")
		b.ReportMetric(r.busyPerSec(), "503/s")
		b.ReportMetric(float64(r.dials), "dials")
	})
}

// BenchmarkScrapeOverloadKernel is BenchmarkScrapeOverload's crowds
// against the real collector, in a namespace the benchmark made of some
// 2,400 sockets; collect-ms is how long a snapshot took.
//
//	go test ./exporter -run '^$' -bench ScrapeOverloadKernel -benchtime 20000x
func BenchmarkScrapeOverloadKernel(b *testing.B) {
	ns := kernelNamespace(b, 200, 2000).Path()
	for _, clients := range []int{16, 50} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			c := collect.New(collect.Config{NetNS: ns, Settings: true})
			var spent, calls atomic.Int64
			timed := func(ctx context.Context) (*model.Snapshot, error) {
				defer func(t0 time.Time) { spent.Add(int64(time.Since(t0))); calls.Add(1) }(time.Now())
				return c.Collect(ctx)
			}
			e := New(Config{Collect: timed, Timeout: 2 * time.Second, Top: 20})
			r := hammer(serveTest(b, e)+"/metrics", clients, loadLimit{window: time.Minute, requests: int64(b.N)})
			r.report(b)
			b.ReportMetric(float64(r.ok)/float64(collects(e)), "scrapes/sample")
			b.ReportMetric(time.Duration(spent.Load()/max(calls.Load(), 1)).Seconds()*1e3, "collect-ms")
		})
	}
}

// Issue 15, item 19: 50 scrapers asking again as soon as answered got 98%
// 503s, and a quarter of the good scrapes 16 got: the refusals, answered
// at once and asked again at once, kept the goroutine taking the sample
// from running (a snapshot took 70 ms, not 17). Against the real
// collector, 16 scrapers and then 50, twice, each until 320 good scrapes
// (20 samples' worth) were served: at 50, at most one answer in ten is a
// 503 (they wait their turn), a good scrape costs this process at most
// 1.5 times the CPU it costs at 16 (the crowd's waiting costs nothing),
// and the scrapers keep their connections. The good scrapes a second
// are logged, not judged: on a shared machine they vary with its load
// more than with the crowd (BenchmarkScrapeOverload measures them).
func TestServeOverloadKeepsGoodScrapes(t *testing.T) {
	ns := kernelNamespace(t, 200, 2000)
	c := collect.New(collect.Config{NetNS: ns.Path(), Settings: true})
	e := New(Config{Collect: c.Collect, Timeout: 5 * time.Second, Top: 20})
	url := serveTest(t, e) + "/metrics"
	if _, body := get(t, "GET", url); !strings.Contains(body, "conntab_collect_success 1\n") || !strings.Contains(body, `state="LISTEN"} 1`) {
		t.Fatalf("the namespace is not read:\n%s", body)
	}
	var few, crowd loadResult
	for range 2 {
		for _, run := range []struct {
			sum     *loadResult
			clients int
		}{{&few, 16}, {&crowd, 50}} {
			r := hammer(url, run.clients, loadLimit{window: 30 * time.Second, requests: 50000, good: 320})
			if r.other > 0 || r.dials > int64(2*run.clients) {
				t.Errorf("%d scrapers: %d answers neither 200 nor 503, %d connections opened", run.clients, r.other, r.dials)
			}
			s := run.sum
			s.ok, s.busy, s.cpu, s.elapsed = s.ok+r.ok, s.busy+r.busy, s.cpu+r.cpu, s.elapsed+r.elapsed
		}
	}
	perFew, perCrowd := few.cpu/time.Duration(max(few.ok, 1)), crowd.cpu/time.Duration(max(crowd.ok, 1))
	t.Logf("16 scrapers: %.0f good/s, %v CPU each, %d refused; 50: %.0f good/s, %v CPU each, %d refused",
		few.okPerSec(), perFew, few.busy, crowd.okPerSec(), perCrowd, crowd.busy)
	if crowd.busy*10 > crowd.ok+crowd.busy {
		t.Errorf("50 scrapers: %d of %d answers were 503", crowd.busy, crowd.ok+crowd.busy)
	}
	if few.ok < 640 || crowd.ok < 640 || perCrowd*2 > perFew*3 {
		t.Errorf("a good scrape cost %v of CPU at 50 scrapers (%d served), %v at 16 (%d served): want at most 1.5 times as much",
			perCrowd, crowd.ok, perFew, few.ok)
	}
}

// A scrape that finds every slot taken is refused before any work (no
// sample), with a 503 that says when to come back, on the connection it
// came on; a refusal costs a fraction of the CPU of a good scrape.
func TestServeRefusalIsCheap(t *testing.T) {
	g := newGatedCollect(false)
	e := New(Config{Collect: g.collect, Timeout: time.Minute, Top: 20})
	e.slotWait = 0
	base := serveTest(t, e)
	release := fillSlots(t, e, base, g)

	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || resp.Close {
		t.Errorf("refused scrape: %s, Retry-After %q, connection closed %v", resp.Status, resp.Header.Get("Retry-After"), resp.Close)
	}
	refused := hammer(base+"/metrics", 8, loadLimit{window: time.Minute, requests: 2000})
	if refused.busy != 2000 || refused.dials > 16 {
		t.Errorf("2000 scrapes with every slot taken: %d refused, %d connections opened", refused.busy, refused.dials)
	}
	if n := g.calls.Load(); n != 1 {
		t.Errorf("%d samples taken; the refused scrapes should take none", n)
	}
	release()

	served := hammer(serveTest(t, New(Config{Collect: newGatedCollect(true).collect, Top: 20}))+"/metrics", 1, loadLimit{window: time.Minute, requests: 50})
	perRefusal, perScrape := refused.cpu/time.Duration(refused.busy), served.cpu/time.Duration(max(served.ok, 1))
	t.Logf("CPU: %v a refusal, %v a scrape", perRefusal, perScrape)
	if served.ok != 50 || perRefusal*4 > perScrape {
		t.Errorf("a refusal cost %v of CPU, a scrape %v (%d served): want under a quarter", perRefusal, perScrape, served.ok)
	}
}

// Scrapers beyond the slots wait for one: a scrape that gets one in time
// is served, and a crowd that is refused is refused no faster than a wait
// each, however fast it asks again.
func TestServeWaitsForSlot(t *testing.T) {
	g := newGatedCollect(false)
	e := New(Config{Collect: g.collect, Timeout: time.Minute, Top: 20})
	e.slotWait = 100 * time.Millisecond
	base := serveTest(t, e)
	release := fillSlots(t, e, base, g)
	const clients, window = 10, 500 * time.Millisecond
	r := hammer(base+"/metrics", clients, loadLimit{window: window, requests: 10000})
	if most := clients * int(window/e.slotWait+2); r.busy == 0 || r.busy > most || r.ok+r.other > 0 {
		t.Errorf("%d scrapers asking for %v with every slot taken and a wait of %v: %d refused (want 1 to %d), %d other answers",
			clients, window, e.slotWait, r.busy, most, r.ok+r.other)
	}
	release()
	if _, body := get(t, "GET", base+"/metrics"); !strings.Contains(body, fmt.Sprintf("conntab_scrapes_refused_total %d\n", r.busy)) {
		t.Errorf("after %d refusals:\n%s", r.busy, body)
	}

	g = newGatedCollect(false)
	e = New(Config{Collect: g.collect, Timeout: time.Minute, Top: 20})
	base = serveTest(t, e)
	release = fillSlots(t, e, base, g)
	status := make(chan int, 1)
	go func() { status <- scrapeOnce(&http.Client{}, base+"/metrics") }()
	for deadline := time.Now().Add(10 * time.Second); e.waiting.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the scrape beyond the slots never waited for one")
		}
	}
	release()
	if s := <-status; s != http.StatusOK {
		t.Errorf("a scrape waiting for a slot: %d, want 200 once one frees", s)
	}
}
