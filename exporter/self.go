package exporter

import (
	"runtime"
	"runtime/debug"
	"strconv"
)

// selfCollector reports the collection itself (how the sample behind a
// scrape was read, and how many were taken and failed) and conntab's
// build. It is the one collector that reports when nothing could be read.
type selfCollector struct {
	duration, source, success, collects, failures, refused, build *desc
	// version, revision and goVersion label conntab_build_info: the
	// binary does not change while it runs.
	version, revision, goVersion string
}

func newSelfCollector() selfCollector {
	c := selfCollector{
		duration: newDesc("conntab_collect_duration_seconds",
			"How long the snapshot behind this scrape took to read.", gauge),
		source: newDesc("conntab_collect_source",
			"Where the snapshot was read from: 1 for netlink (sock_diag) or proc (/proc/net).", gauge, "source"),
		success: newDesc("conntab_collect_success",
			"1 when the snapshot behind this scrape was read whole, 0 when reading it failed in whole or in part.", gauge),
		collects: newDesc("conntab_collects_total",
			"Snapshots taken since conntab serve started; scrapes that arrive together share one.", counter),
		failures: newDesc("conntab_collect_errors_total",
			"Snapshots that failed in whole or in part since conntab serve started.", counter),
		refused: newDesc("conntab_scrapes_refused_total",
			"Scrapes answered 503 since conntab serve started: every slot was taken for as long as they waited for one.", counter),
		build: newDesc("conntab_build_info",
			"conntab's build: its module version, VCS revision and Go version.", gauge, "version", "revision", "goversion"),
		goVersion: runtime.Version(),
	}
	c.version, c.revision = buildVersion()
	return c
}

// update sends the build and the counts (samples, failures, refusals), whether the sample was read
// whole, and, when anything was read, how and how fast.
func (c selfCollector) update(s *scrape, out *sink) {
	out.add(c.build, 1, c.version, c.revision, c.goVersion)
	out.add(c.collects, float64(s.collects))
	out.add(c.failures, float64(s.failures))
	out.add(c.refused, float64(s.refused))
	success := 1.0
	if s.err != nil {
		success = 0
	}
	out.add(c.success, success)
	if s.net == nil {
		return
	}
	snap := s.net.Snap
	out.add(c.duration, snap.Duration.Seconds())
	out.add(c.source, 1, snap.Source.String())
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
