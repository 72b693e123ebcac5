package exporter

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/sample"
)

// defaultTimeout is the snapshot's deadline when Config leaves it out:
// under Prometheus's default scrape_timeout of 10s.
const defaultTimeout = 8 * time.Second

// Config says where an Exporter reads its snapshots and how much it
// reports of them.
type Config struct {
	// Collect takes a snapshot: a collect.Collector's Collect, or a
	// test's stand-in. Only one runs at a time.
	Collect func(context.Context) (*model.Snapshot, error)
	// Timeout is the longest a snapshot may take; 0 means 8s. Keep it
	// under Prometheus's scrape_timeout.
	Timeout time.Duration
	// Top is how many series a per-listener, per-pool and
	// per-destination metric holds at most: the worst of each.
	Top int
	// Thresholds judge the pools; the zero value means
	// analyze.DefaultThresholds.
	Thresholds analyze.Thresholds
}

// Exporter is `conntab serve`'s metrics and their server: each scrape
// takes a sample of the namespace and turns it into metrics. Scrapes that
// arrive while a sample is being taken wait for it and share it, so many
// scrapers cost one reading of the kernel. The sample is taken on its own
// goroutine under its own deadline, not the request's: a client that goes
// away or is slow to read does not cut it short or hold it up.
type Exporter struct {
	sampling sample.Config
	timeout  time.Duration
	self     selfCollector
	// collectors turn a sample's namespace into metrics, one kind each.
	collectors []collector

	// slots holds a token for each scrape being served, at most
	// maxScrapesInFlight; slotWait is how long a scrape waits for one.
	// waiting counts the scrapes waiting, refused those that waited in
	// vain.
	slots    chan struct{}
	slotWait time.Duration
	waiting  atomic.Int32
	refused  atomic.Uint64

	mu       sync.Mutex
	inflight *scrape // the sample being taken, nil between scrapes
	// prev is the last sample: CLOSE_WAIT growth and pool growth are
	// counted from it. Only the goroutine taking a sample touches it.
	prev *sample.Sample
	// collects counts samples taken, failures those that failed in whole
	// or in part; lastErr is the last sample's error.
	collects, failures uint64
	lastErr            error
}

// collector adds the metrics of one kind for a namespace's sample.
type collector interface {
	update(n *sample.Net, out *sink)
}

// scrape is one sample and the exporter's counts once it was taken,
// shared by the scrapes that waited for it, and its metrics as they were
// served to them.
type scrape struct {
	done               chan struct{}
	net                *sample.Net // nil when nothing could be read
	err                error
	collects, failures uint64
	refused            uint64 // scrapes refused when the sample was taken
	exposition         exposition
}

// New returns an Exporter that reads its snapshots with cfg.Collect.
func New(cfg Config) *Exporter {
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	return &Exporter{
		sampling: sample.Config{Collect: cfg.Collect, Thresholds: cfg.Thresholds, Dests: true},
		timeout:  cfg.Timeout,
		slots:    make(chan struct{}, maxScrapesInFlight),
		slotWait: slotWait,
		self:     newSelfCollector(),
		collectors: []collector{
			newSocketsCollector(),
			newListenersCollector(cfg.Top),
			newPoolsCollector(cfg.Top),
			newDestinationsCollector(cfg.Top),
			newHostCollector(),
		},
	}
}

// send adds the metrics of a sample that has been taken to out.
func (e *Exporter) send(s *scrape, out *sink) {
	e.self.update(s, out)
	if s.net == nil {
		return
	}
	for _, c := range e.collectors {
		c.update(s.net, out)
	}
}

// join returns the sample being taken, starting one when none is; its
// done closes once it has been taken.
func (e *Exporter) join() *scrape {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s := e.inflight; s != nil {
		return s
	}
	s := &scrape{done: make(chan struct{})}
	e.inflight = s
	go e.take(s)
	return s
}

// take takes the sample s under the exporter's deadline, then lets the
// scrapes waiting for it go.
func (e *Exporter) take(s *scrape) {
	ctx, cancel := context.WithTimeout(context.Background(), e.timeout)
	// One sample is taken at a time, so prev is this goroutine's alone:
	// the work is done outside the lock.
	next, err := sample.Take(ctx, &e.sampling, e.prev)
	cancel()
	s.err = err
	if s.net = next.Net(); s.net != nil {
		e.prev = next
	}
	e.mu.Lock()
	e.collects++
	e.lastErr = s.err
	if s.err != nil {
		e.failures++
	}
	s.collects, s.failures, s.refused = e.collects, e.failures, e.refused.Load()
	e.inflight = nil
	e.mu.Unlock()
	close(s.done)
}
