// Package exporter is `conntab serve`: the connection table of one network
// namespace as Prometheus metrics. docs/prometheus.md is the user's side
// (flags, scrape configuration, alerts); this is how it works.
//
//	e := exporter.New(exporter.Config{Collect: collector.Collect, Timeout: 8 * time.Second, Top: 20})
//	err := e.Serve(ctx, ln, logger) // or e.WriteOnce(os.Stdout), for node_exporter's textfile collector
//
// # A scrape
//
// Each scrape takes one sample (sample.Take, with the destinations and
// pools) on a goroutine of its own under Config.Timeout, not the
// request's context: a scraper that hangs up or reads slowly neither cuts
// it short nor holds it up, and a sample past its deadline is abandoned
// with conntab_collect_success 0. Scrapes that
// arrive while a sample is being taken wait for it and share it, so many
// scrapers cost one reading of the kernel. The Exporter keeps the last
// sample, against which the next one's growth is counted.
//
// A sample's exposition is gathered once and encoded once for each format
// and coding asked for (exposition.go); the scrapes that waited for the
// sample share the bytes, so one that joins costs about as much as writing
// them.
//
// # The exposition
//
// conntab writes its metrics itself, without client_golang, whose package
// initialisers (its default registry's Go and process collectors,
// protobuf's descriptors, procfs) every command paid for at start-up
// (docs/architecture.md). metric.go holds a family's desc (its name, help,
// gauge or counter, label names), the sink a scrape's collectors add
// series to, and gather, which sorts the families by name and each
// family's series by label values, and leaves out, as an error, a series
// added twice or a name described twice: the registry's checks and order,
// so the exposition is the one client_golang wrote
// (testdata/golden/metrics.txt is unchanged). exposition.go writes the
// text format 0.0.4 and OpenMetrics 1.0.0: label values escape \, " and
// newline (invalid UTF-8 becomes U+FFFD), HELP escapes \ and newline (and
// " in OpenMetrics), values are the shortest decimal that reads back,
// +Inf, -Inf or NaN. negotiate.go picks the format from Accept as
// promhttp did; the protobuf format, which no Prometheus needs for
// gauges and counters, is not offered. The tests hold both formats to
// Prometheus's own parser and encoders (FuzzExpositionEscaping) and the
// negotiation to promhttp's.
//
// Serve answers GET and HEAD on /metrics (the text format, or OpenMetrics
// when asked; gzip when accepted), a page on / and 404 elsewhere. A scrape
// that outlasts the deadline by a second gets 503; every phase of a
// request has a deadline (headers 5s, request 10s, response Timeout + 10s,
// idle 2m).
//
// # Overload
//
// At most 16 scrapes are served at once. Another waits for a slot, parked
// (no CPU), for up to a second, and is served with a later sample; one
// still waiting then gets 503 with Retry-After: 1, on a connection kept
// open, having taken no sample and encoded nothing, and
// conntab_scrapes_refused_total counts it. Refusing at once was cheap too,
// but a crowd that asks again as soon as refused turned each refusal into
// another request, and the goroutines answering them held up the one
// taking the sample: at 50 such scrapers 90-98% got 503 and the good
// scrapes fell to between a quarter and 70%. Waiting, the crowd costs nothing and is served in
// turn (BenchmarkScrapeOverloadKernel, TestServeOverloadKeepsGoodScrapes).
//
// # Collectors
//
// One file a collector, each holding its descriptors; metric names follow
// Prometheus's conventions (base units, _total on counters, _ratio on
// fractions). Per-item metrics keep the Config.Top worst items, so a
// scrape's series are bounded whatever the host does.
//
//   - sockets.go: conntab_sockets{proto,family,state}, every state a
//     protocol can be in, 0 included (TCP: every state but UNCONN and
//     CLOSE; UDP: UNCONN and ESTABLISHED).
//   - listeners.go: conntab_listener_accept_queue and
//     conntab_listener_backlog{local}, the TCP listeners fullest against
//     their backlog; from /proc, which does not know the backlog, none.
//   - pools.go: conntab_pools and conntab_pool_utilisation_max_ratio over
//     every connect() pool; conntab_pool_in_use_ports,
//     conntab_pool_usable_ports and conntab_pool_utilisation_ratio
//     {local,remote} for the fullest.
//   - destinations.go: conntab_destination_time_wait_sockets{remote}, the
//     remote endpoints with most TCP sockets in TIME_WAIT.
//   - host.go: conntab_ephemeral_ports and conntab_ephemeral_usable_ports
//     when the range is known; conntab_sysctl{name} for the sysctls that
//     bear on ports and TIME_WAIT that the kernel has;
//     conntab_tcp_events_total{counter}, the TcpExt and Tcp counters.
//   - self.go: conntab_collect_success, conntab_collects_total,
//     conntab_collect_errors_total, conntab_scrapes_refused_total and
//     conntab_build_info on every scrape;
//     conntab_collect_duration_seconds and conntab_collect_source when
//     anything was read.
package exporter
