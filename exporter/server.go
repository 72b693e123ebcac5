package exporter

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
)

// maxScrapesInFlight bounds the requests served at once; the rest are
// told to come back (503) at once, without waiting or taking a sample.
const maxScrapesInFlight = 16

// WriteOnce writes one scrape of e to w in the text format, then returns
// the sample's error, if it failed. The metrics are written even then:
// conntab_collect_success 0 tells their reader, the error the caller.
func (e *Exporter) WriteOnce(w io.Writer) error {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(e)
	mfs, err := reg.Gather()
	if err != nil {
		return fmt.Errorf("gathering metrics: %w", err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := expfmt.NewEncoder(bw, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return fmt.Errorf("writing metrics: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing metrics: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lastErr
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
// OpenMetrics when asked. A scrape that outlasts the sample's deadline by
// a second gets 503; a sample that failed in part is still served, with
// conntab_collect_success 0.
func (e *Exporter) metricsHandler(logger *log.Logger) http.Handler {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(e)
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:            logger,
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: maxScrapesInFlight,
		Timeout:             e.timeout + time.Second,
		EnableOpenMetrics:   true,
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "conntab serves /metrics to GET and HEAD only", http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// ListenAndServe listens on addr, host:port, says where on logger, and
// serves e there until ctx ends, as Serve does.
func (e *Exporter) ListenAndServe(ctx context.Context, addr string, logger *log.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	logger.Printf("serving metrics on http://%s/metrics", ln.Addr())
	return e.Serve(ctx, ln, logger)
}

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
