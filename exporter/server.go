package exporter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

// maxScrapesInFlight bounds the scrapes served at once. One more waits
// for a slot, up to slotWait, and is then refused.
const maxScrapesInFlight = 16

// slotWait is how long a scrape waits for a slot: long enough for the
// sample in flight to be taken many times over, short against a scrape
// timeout; and a refused scraper that asks again at once asks about once
// a second.
const slotWait = time.Second

// busyBody is the answer to a scrape refused for want of a slot.
const busyBody = "conntab: too many scrapes at once, try again later\n"

// WriteOnce writes one scrape of e to w in the text format, then returns
// the sample's error, if it failed. The metrics are written even then:
// conntab_collect_success 0 tells their reader, the error the caller.
func (e *Exporter) WriteOnce(w io.Writer) error {
	s := e.join()
	<-s.done
	b, err := e.body(s, encoding{}, log.New(io.Discard, "", 0))
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("writing metrics: %w", err)
	}
	return s.err
}

// Handler routes /metrics to e and / to a page pointing at it; any other
// path is 404. logger hears of scrapes that could not be written.
func (e *Exporter) Handler(logger *log.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", e.metricsHandler(logger))
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!doctype html><title>conntab</title><h1>conntab</h1><p><a href=\"/metrics\">/metrics</a>: the connection table as Prometheus metrics (docs/prometheus.md).\n")
	})
	return mux
}

// metricsHandler serves e's metrics to GET and HEAD: the text format, or
// OpenMetrics when asked, gzipped when asked. A scrape whose sample
// outlasts its deadline by a second gets 503; a sample that failed in part
// is still served, with conntab_collect_success 0.
//
// At most maxScrapesInFlight are served at once; the others wait for a
// slot, parked, for up to e.slotWait, then get 503, having done no work,
// on a connection kept open. Refusing at once would not be cheaper: a
// crowd that asks again at once turns every refusal into another request,
// and the goroutines answering them delay the one taking the sample the
// served scrapes wait for (the good scrapes fell to a quarter at 50
// scrapers). Waiting, they cost nothing and are served in turn.
func (e *Exporter) metricsHandler(logger *log.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "conntab serves /metrics to GET and HEAD only", http.StatusMethodNotAllowed)
			return
		}
		if !e.takeSlot(r) {
			refuse(w)
			return
		}
		defer func() { <-e.slots }()
		f := negotiate(r.Header.Get("Accept"))
		e.serveScrape(w, r, f, acceptsGzip(r.Header.Get("Accept-Encoding")), logger)
	})
}

// takeSlot waits for a slot to serve r in, for up to e.slotWait; false
// when none came (a refusal, counted), or r's client went away.
func (e *Exporter) takeSlot(r *http.Request) bool {
	select {
	case e.slots <- struct{}{}:
		return true
	default:
	}
	e.waiting.Add(1)
	defer e.waiting.Add(-1)
	wait := time.NewTimer(e.slotWait)
	defer wait.Stop()
	select {
	case e.slots <- struct{}{}:
		return true
	case <-wait.C:
		e.refused.Add(1)
	case <-r.Context().Done(): // gone: nobody to refuse
	}
	return false
}

// refuse answers a scrape that found no slot.
func refuse(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(busyBody)))
	h.Set("Retry-After", "1")
	w.WriteHeader(http.StatusServiceUnavailable)
	io.WriteString(w, busyBody)
}

// serveScrape waits for a sample, taking one if none is being taken, and
// writes its metrics in format f, gzipped if gz. A client that goes away
// stops waiting.
func (e *Exporter) serveScrape(w http.ResponseWriter, r *http.Request, f format, gz bool, logger *log.Logger) {
	s := e.join()
	late := time.NewTimer(e.timeout + time.Second)
	defer late.Stop()
	select {
	case <-s.done:
	case <-late.C:
		http.Error(w, fmt.Sprintf("conntab: the snapshot took longer than %v", e.timeout+time.Second), http.StatusServiceUnavailable)
		return
	case <-r.Context().Done():
		return
	}
	b, err := e.body(s, encoding{openMetrics: f.openMetrics, gzip: gz}, logger)
	if err != nil {
		logger.Print(err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Vary", "Accept, Accept-Encoding")
	if gz {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if r.Method == http.MethodHead {
		return
	}
	if _, err := w.Write(b); err != nil {
		logger.Printf("writing metrics: %v", err)
	}
}

// ListenAndServe listens on addr, host:port, says where on logger, and
// serves e there until ctx ends, as Serve does.
func (e *Exporter) ListenAndServe(ctx context.Context, addr string, logger *log.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return listenError(addr, err)
	}
	logger.Printf("serving metrics on http://%s/metrics", ln.Addr())
	return e.Serve(ctx, ln, logger)
}

// listenError says why addr (--listen), well formed, could not be
// listened on: the host's answer (the port is taken, the address is not
// this host's), still matching err.
func listenError(addr string, err error) error {
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "listen" {
		return err
	}
	reason := op.Err
	var sys *os.SyscallError
	if errors.As(reason, &sys) {
		reason = sys.Err
	}
	return &saidError{msg: fmt.Sprintf("cannot serve on %q (--listen): %v", addr, reason), err: err}
}

// saidError is err said in other words (msg), still matching it.
type saidError struct {
	msg string
	err error
}

func (e *saidError) Error() string { return e.msg }
func (e *saidError) Unwrap() error { return e.err }

// Serve serves e's Handler on ln until ctx ends, then shuts down, giving
// scrapes in progress a few seconds. Every phase of a request has a
// deadline, so a slow or stalled client holds one connection for a
// bounded time and never the sample.
func (e *Exporter) Serve(ctx context.Context, ln net.Listener, logger *log.Logger) error {
	srv := &http.Server{
		Handler:           e.Handler(logger),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      e.timeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          logger,
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		srv.Close()
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
