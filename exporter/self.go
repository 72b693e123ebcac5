package exporter

import (
	"runtime"
	"runtime/debug"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// selfCollector reports the collection itself (how the sample behind a
// scrape was read, and how many were taken and failed) and conntab's
// build. It is the one collector that reports when nothing could be read.
type selfCollector struct {
	duration, source, success, collects, failures, refused, build *prometheus.Desc
	// version, revision and goVersion label conntab_build_info: the
	// binary does not change while it runs.
	version, revision, goVersion string
}

func newSelfCollector() selfCollector {
	c := selfCollector{
		duration: prometheus.NewDesc("conntab_collect_duration_seconds",
			"How long the snapshot behind this scrape took to read.", nil, nil),
		source: prometheus.NewDesc("conntab_collect_source",
			"Where the snapshot was read from: 1 for netlink (sock_diag) or proc (/proc/net).", []string{"source"}, nil),
		success: prometheus.NewDesc("conntab_collect_success",
			"1 when the snapshot behind this scrape was read whole, 0 when reading it failed in whole or in part.", nil, nil),
		collects: prometheus.NewDesc("conntab_collects_total",
			"Snapshots taken since conntab serve started; scrapes that arrive together share one.", nil, nil),
		failures: prometheus.NewDesc("conntab_collect_errors_total",
			"Snapshots that failed in whole or in part since conntab serve started.", nil, nil),
		refused: prometheus.NewDesc("conntab_scrapes_refused_total",
			"Scrapes answered 503 since conntab serve started: every slot was taken for as long as they waited for one.", nil, nil),
		build: prometheus.NewDesc("conntab_build_info",
			"conntab's build: its module version, VCS revision and Go version.",
			[]string{"version", "revision", "goversion"}, nil),
		goVersion: runtime.Version(),
	}
	c.version, c.revision = buildVersion()
	return c
}

func (c selfCollector) describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.duration, c.source, c.success, c.collects, c.failures, c.refused, c.build} {
		ch <- d
	}
}

// update sends the build and the counts (samples, failures, refusals), whether the sample was read
// whole, and, when anything was read, how and how fast.
func (c selfCollector) update(s *scrape, out sink) {
	out.gauge(c.build, 1, c.version, c.revision, c.goVersion)
	out.counter(c.collects, float64(s.collects))
	out.counter(c.failures, float64(s.failures))
	out.counter(c.refused, float64(s.refused))
	success := 1.0
	if s.err != nil {
		success = 0
	}
	out.gauge(c.success, success)
	if s.net == nil {
		return
	}
	snap := s.net.Snap
	out.gauge(c.duration, snap.Duration.Seconds())
	out.gauge(c.source, 1, snap.Source.String())
}

// buildVersion is the module version and VCS revision the binary was
// built from, "(devel)" and "unknown" when the build does not say.
func buildVersion() (version, revision string) {
	version, revision = "(devel)", "unknown"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version, revision
	}
	if bi.Main.Version != "" {
		version = bi.Main.Version
	}
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			dirty, _ = strconv.ParseBool(s.Value)
		}
	}
	if dirty && revision != "unknown" {
		revision += "-dirty"
	}
	return version, revision
}
