package exporter

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/internal/reporttest"
	"github.com/conntab/conntab/model"
)

// prometheusAccept and the gzip below are what Prometheus 3 asks a target
// for: the load is a crowd of Prometheus servers.
const prometheusAccept = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"

// loadResult is what a closed loop of scrapers got.
type loadResult struct {
	ok, busy, other int
	dials           int64 // connections the scrapers opened
	elapsed         time.Duration
	okLatency       []time.Duration // sorted
	cpu             time.Duration   // this process's CPU time, clients included
}

func (r loadResult) okPerSec() float64   { return float64(r.ok) / r.elapsed.Seconds() }
func (r loadResult) busyPerSec() float64 { return float64(r.busy) / r.elapsed.Seconds() }

func (r loadResult) p99() time.Duration {
	if len(r.okLatency) == 0 {
		return 0
	}
	return r.okLatency[len(r.okLatency)*99/100]
}

// report adds r to b's results.
func (r loadResult) report(b *testing.B) {
	b.ReportMetric(r.okPerSec(), "scrapes/s")
	b.ReportMetric(r.busyPerSec(), "503/s")
	b.ReportMetric(float64(r.p99().Microseconds())/1e3, "p99-ms")
	if r.ok > 0 {
		b.ReportMetric(float64(r.cpu.Microseconds())/float64(r.ok), "cpu-µs/scrape")
	}
	b.ReportMetric(float64(r.dials), "dials")
}

// loadLimit says when a load stops: when window has passed, requests
// have been made or good scrapes served, whichever comes first (0: no
// limit of that kind).
type loadLimit struct {
	window         time.Duration
	requests, good int64
}

// hammer runs clients scrapers, each asking url again as soon as it has
// its answer, on a connection of its own kept open, until limit.
func hammer(url string, clients int, limit loadLimit) loadResult {
	var dials atomic.Int64
	d := &net.Dialer{}
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: clients,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return d.DialContext(ctx, network, addr)
		},
	}}
	defer client.CloseIdleConnections()
	var (
		mu           sync.Mutex
		res          loadResult
		issued, good atomic.Int64
		wg           sync.WaitGroup
	)
	more := func() bool {
		return (limit.requests == 0 || issued.Add(1) <= limit.requests) && (limit.good == 0 || good.Load() < limit.good)
	}
	cpu0, start := cpuTime(), time.Now()
	deadline := start.Add(limit.window)
	for range clients {
		wg.Go(func() {
			var ok, busy, other int
			var lat []time.Duration
			for more() && time.Now().Before(deadline) {
				t0 := time.Now()
				switch scrapeOnce(client, url) {
				case http.StatusOK:
					ok++
					good.Add(1)
					lat = append(lat, time.Since(t0))
				case http.StatusServiceUnavailable:
					busy++
				default:
					other++
				}
			}
			mu.Lock()
			res.ok, res.busy, res.other = res.ok+ok, res.busy+busy, res.other+other
			res.okLatency = append(res.okLatency, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed, res.cpu, res.dials = time.Since(start), cpuTime()-cpu0, dials.Load()
	slices.Sort(res.okLatency)
	return res
}

// scrapeOnce GETs url as Prometheus does, reads the answer whole and
// returns its status, 0 when there was none.
func scrapeOnce(client *http.Client, url string) int {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0
	}
	req.Header.Set("Accept", prometheusAccept)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0
	}
	return resp.StatusCode
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// gatedCollect reads reporttest.PortsSnapshot(169), a namespace of some
// 200 sockets, and counts its calls. While its gate is closed a call
// waits for it to open (or for its deadline).
type gatedCollect struct {
	open  chan struct{} // closed when the gate opens
	calls atomic.Int32
}

func newGatedCollect(open bool) *gatedCollect {
	g := &gatedCollect{open: make(chan struct{})}
	if open {
		close(g.open)
	}
	return g
}

func (g *gatedCollect) collect(ctx context.Context) (*model.Snapshot, error) {
	g.calls.Add(1)
	select {
	case <-g.open:
	case <-ctx.Done():
		return nil, fmt.Errorf("collect: %w", ctx.Err())
	}
	return reporttest.PortsSnapshot(169), nil
}

// fillSlots takes every scrape slot of e, served at base, with scrapes
// waiting for g's closed gate, and returns once they all have one.
// release opens the gate and waits for their answers.
func fillSlots(tb testing.TB, e *Exporter, base string, g *gatedCollect) (release func()) {
	tb.Helper()
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: maxScrapesInFlight}}
	for range maxScrapesInFlight {
		wg.Go(func() { scrapeOnce(client, base+"/metrics") })
	}
	released := false
	release = func() {
		if !released {
			released = true
			close(g.open)
			wg.Wait()
		}
	}
	tb.Cleanup(release)
	for deadline := time.Now().Add(10 * time.Second); len(e.slots) < maxScrapesInFlight; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			tb.Fatalf("%d of %d scrape slots taken after 10s", len(e.slots), maxScrapesInFlight)
		}
	}
	return release
}

// collects is how many samples e has taken.
func collects(e *Exporter) uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.collects
}

// kernelNamespace is a namespace the test made holding a listener on
// 127.0.0.1:5432, conns connections to it and timeWait sockets in
// TIME_WAIT: some 2,400 sockets for a real collector to read.
func kernelNamespace(tb testing.TB, conns, timeWait int) *nstest.NS {
	tb.Helper()
	ns := nstest.Require(tb)
	ln, err := ns.Listen("tcp", "127.0.0.1:5432")
	if err != nil {
		tb.Fatal(err)
	}
	var served sync.WaitGroup
	served.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// Closed once the client closes: the client's side goes to
			// TIME_WAIT.
			served.Go(func() { io.Copy(io.Discard, c); c.Close() })
		}
	})
	var held []net.Conn
	tb.Cleanup(func() {
		ln.Close()
		for _, c := range held {
			c.Close()
		}
		served.Wait()
	})
	for i := range conns + timeWait {
		c, err := ns.Dial("tcp", "127.0.0.1:5432")
		if err != nil {
			tb.Fatal(err)
		}
		if i < conns {
			held = append(held, c)
		} else {
			c.Close()
		}
	}
	return ns
}
