package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"

	"github.com/conntab/conntab/collect"
)

// defaultServeAddr is where `conntab serve` listens unless told: loopback
// only, since the metrics name the host's peers and services. The port is
// explained in docs/prometheus.md.
const defaultServeAddr = "127.0.0.1:" + defaultServePort

const defaultServePort = "10311"

// serveOptions are the flags of `conntab serve`.
type serveOptions struct {
	listen  string
	mode    collect.Mode
	netns   string
	top     int
	timeout time.Duration
	once    bool
	help    bool
}

func (o *serveOptions) flags() []option {
	return []option{
		{long: "listen", arg: "ADDR", help: "serve /metrics on ADDR, host:port (default " + defaultServeAddr + ", loopback only; \":" + defaultServePort + "\" is every interface)",
			value: func(v string) error {
				if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
					return fmt.Errorf("%q: want host:port, such as 127.0.0.1:%s or :%s", v, defaultServePort, defaultServePort)
				}
				o.listen = v
				return nil
			}},
		{short: 'N', long: "netns", arg: "NAME|PATH", help: "report on the network namespace NAME (/run/netns/NAME) or at PATH; needs root",
			value: func(v string) error { o.netns = v; return nil }},
		{long: "source", arg: "auto|netlink|proc", help: "where sockets are read from (default auto: netlink, else /proc)",
			value: func(v string) (err error) { o.mode, err = collect.ParseMode(v); return err }},
		{long: "top", arg: "K", help: "series per pool, per destination and per listener: the K worst of each (default 20)",
			value: func(v string) error {
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					return fmt.Errorf("%q: want a whole number, 0 or more", v)
				}
				o.top = n
				return nil
			}},
		{long: "timeout", arg: "DURATION", help: "the longest one snapshot may take; keep it under Prometheus's scrape_timeout (default 8s)",
			value: func(v string) error {
				d, err := time.ParseDuration(v)
				if err != nil || d < 100*time.Millisecond {
					return fmt.Errorf("%q: want a duration of at least 100ms, such as 8s", v)
				}
				o.timeout = d
				return nil
			}},
		{long: "once", set: func() { o.once = true }, help: "write one scrape's metrics to stdout and exit, serving nothing (for node_exporter's textfile collector, or a look); exit 1 when the snapshot failed"},
		{short: 'h', long: "help", set: func() { o.help = true }, help: "this help"},
	}
}

const serveUsage = `Usage: conntab serve [flags]

A Prometheus exporter: serves /metrics, where every scrape takes one
snapshot of the namespace's sockets (scrapes that arrive together share it)
and reports sockets by protocol, family and state; the accept queue and
backlog of the fullest listeners; the fullest connect() pools (in use,
usable, utilisation) and the highest utilisation over all of them; TIME_WAIT
per destination; the ephemeral range, the sysctls and TCP counters that
bear on them; and the collection itself. docs/prometheus.md lists the
metrics, a scrape configuration and alert rules (docs/alerts.yml).

Flags:
`

// runServe is `conntab serve`.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := serveOptions{listen: defaultServeAddr, top: 20, timeout: 8 * time.Second}
	rest, err := parseArgs(args, o.flags())
	if err != nil {
		return err
	}
	if o.help {
		return printHelp(stdout, serveUsage, o.flags())
	}
	if len(rest) > 0 {
		return usagef("conntab serve takes no arguments, only flags: %q", strings.Join(rest, " "))
	}
	cfg := collect.Config{Mode: o.mode, Settings: true, Notify: func(msg string) { fmt.Fprintln(stderr, msg) }}
	if cfg.NetNS, err = netnsFile(o.netns); err != nil {
		return err
	}
	e := newExporter(collect.New(cfg), o.timeout, o.top)
	if o.once {
		return writeOnce(stdout, e)
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "conntab: serving metrics on http://%s/metrics\n", ln.Addr())
	return serveMetrics(ctx, ln, e, log.New(stderr, "conntab: ", 0))
}

// writeOnce writes one scrape of e to w in the text format, and the
// snapshot's error, if it failed, after it.
func writeOnce(w io.Writer, e *exporter) error {
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

// maxScrapesInFlight bounds the requests served at once; the rest are
// told to come back (503) at once, without waiting or taking a snapshot.
const maxScrapesInFlight = 16

// metricsHandler serves e's metrics: the text format, or OpenMetrics when
// asked. A scrape that outlasts the snapshot's deadline by a second gets
// 503; a snapshot that failed in part is still served, with
// conntab_collect_success 0.
func metricsHandler(e *exporter, logger *log.Logger) http.Handler {
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

// newServeMux routes /metrics to the exporter and / to a page pointing at
// it; any other path is 404.
func newServeMux(e *exporter, logger *log.Logger) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/metrics", metricsHandler(e, logger))
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!doctype html><title>conntab</title><h1>conntab</h1><p><a href=\"/metrics\">/metrics</a>: the connection table as Prometheus metrics (docs/prometheus.md).\n")
	})
	return mux
}

// serveMetrics serves on ln until ctx ends, then shuts down, giving
// scrapes in progress a few seconds. Every phase of a request has a
// deadline, so a slow or stalled client holds one connection for a
// bounded time and never the snapshot.
func serveMetrics(ctx context.Context, ln net.Listener, e *exporter, logger *log.Logger) error {
	srv := &http.Server{
		Handler:           newServeMux(e, logger),
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
