package tui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/filter"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
	"github.com/conntab/conntab/render"
)

// Config is what the dashboard needs from its caller. The dashboard never
// reads the kernel itself: main hands it functions that do, so tui depends
// on model and filter only.
type Config struct {
	// Collect reads one snapshot. It runs off the UI goroutine; a snapshot
	// returned with an error is shown, with the error.
	Collect func(context.Context) (*model.Snapshot, error)
	// TCPInfo asks the kernel for one socket's tcp_info; nil: not shown.
	TCPInfo func(context.Context, model.Socket) (model.TCPInfo, error)
	// Destroy closes sockets (K); nil: K says it cannot.
	Destroy DestroyFunc
	// Process reads a process's command line and cgroup; nil: not shown.
	Process func(pid int32) (model.ProcessDetail, error)
	// Labeler names ports, services and users. Its Host and Snapshot are
	// not read: each sample gets a Labeler of its own, this one with the
	// sample's host and snapshot, and none is changed after.
	Labeler render.Labeler
	// Resolver, when set, names the sockets' hosts (-r) in commands off
	// the UI goroutine; each sample shows the names known when it
	// arrived, and a resolution's answer redraws the one shown.
	Resolver *names.Resolver
	// Interval is the time from one sample's arrival to the next one's
	// start, as top and watch count it, so a slow collection never piles
	// up; 0 means one second.
	Interval time.Duration
	// Host and NetNS name what is watched, for the header.
	Host, NetNS string
	// Root says the dashboard runs as root: a process it cannot inspect
	// is then beyond root's reach too, and the notice says so instead of
	// "run as root".
	Root bool
	// Filter is the filter the dashboard starts with; nil selects all.
	Filter *filter.Filter
	// Recent is how long new and changed sockets stay highlighted and
	// closed ones linger; 0 means three seconds.
	Recent     time.Duration
	Thresholds analyze.Thresholds
	// Rules are the listener audit's, which each sample runs (the
	// Listeners view's flags and findings); nil means
	// audit.DefaultAuditRules.
	Rules *audit.AuditRules
	// MemoryLimit, when above 0, is the soft memory limit the dashboard
	// starts with (runtime/debug.SetMemoryLimit), raised after each sample
	// to half again the heap it holds (memoryLimit): a host of a million
	// sockets holds more than a fixed limit would let the collector reach
	// without working all the time. 0 leaves the runtime's limit alone.
	MemoryLimit int64
	Styles      Styles
	Keys        KeyMap
}

// withDefaults fills in what cfg leaves zero.
func (cfg Config) withDefaults() Config {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Recent <= 0 {
		cfg.Recent = 3 * time.Second
	}
	if cfg.Thresholds == (analyze.Thresholds{}) {
		cfg.Thresholds = analyze.DefaultThresholds()
	}
	if cfg.Rules == nil {
		cfg.Rules = audit.DefaultAuditRules()
	}
	if cfg.Styles.State == nil {
		cfg.Styles = DefaultStyles()
	}
	def := DefaultKeyMap()
	if len(cfg.Keys.Quit.Keys()) == 0 {
		cfg.Keys = def
	}
	// The filter line's keys and ctrl+c must answer whatever the map
	// leaves out: without them the filter line could not be left.
	for _, b := range []struct{ have, def *key.Binding }{
		{&cfg.Keys.Apply, &def.Apply}, {&cfg.Keys.Cancel, &def.Cancel}, {&cfg.Keys.ForceQuit, &def.ForceQuit},
	} {
		if len(b.have.Keys()) == 0 {
			*b.have = *b.def
		}
	}
	return cfg
}
