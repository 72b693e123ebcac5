package cli

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/conntab/conntab/analyze"
)

// TopOptions are the flags of `conntab top`, the dashboard.
type TopOptions struct {
	Interval    time.Duration
	Source      string // --source as given; "" is auto
	NetNS       string // -N as given
	NoProcesses bool
	Resolve     bool   // -r: host names, resolved off the UI
	FilterFile  string // -F: the starting filter
	// RulesFile is --rules: conntab's audit rules extended by it.
	RulesFile string
	// Thresholds are --threshold's: what raises the flags and findings.
	Thresholds analyze.Thresholds
	Help       bool
	// CPUProfile and MemProfile name files for pprof profiles of the
	// whole session, for measuring the dashboard (docs/benchmarks.md;
	// StartProfiles).
	CPUProfile, MemProfile string
}

// DefaultTopOptions are the dashboard's options before its flags.
func DefaultTopOptions() TopOptions {
	return TopOptions{Interval: time.Second, Thresholds: analyze.DefaultThresholds()}
}

// Flags defines the dashboard's flags into o.
func (o *TopOptions) Flags() *pflag.FlagSet {
	fs := NewFlags("top")
	Arg(fs, "interval", "i", "DURATION", "time from one sample's end to the next one's start, as top and watch count it (default 1s; at least 100ms)",
		func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 100*time.Millisecond {
				return fmt.Errorf("%q: want a duration of at least 100ms, such as 1s or 500ms", v)
			}
			o.Interval = d
			return nil
		})
	sourceFlag(fs, &o.Source, "where sockets are read from (default auto: netlink, else /proc)")
	netnsFlag(fs, &o.NetNS, "watch the network namespace NAME (/run/netns/NAME) or at PATH; needs root")
	fs.BoolVarP(&o.Resolve, "resolve", "r", false, "show host names in Local and Peer, looked up in the background (/etc/hosts, then DNS; numbers until a name arrives)")
	fs.BoolVarP(&o.NoProcesses, "no-processes", "P", false, "do not name the processes holding sockets (saves the /proc walk)")
	fileFlag(fs, &o.FilterFile, "filter", "F", "FILE", "read the starting filter from FILE instead of the arguments")
	fileFlag(fs, &o.RulesFile, "rules", "", "FILE", "extend the listener audit's rules with FILE (format: audit/audit.txt, docs/listeners.md)")
	thresholdFlag(fs, &o.Thresholds, "the flags and the findings")
	fileFlag(fs, &o.CPUProfile, "cpuprofile", "", "FILE", "write a CPU profile of the session to FILE (go tool pprof)")
	fileFlag(fs, &o.MemProfile, "memprofile", "", "FILE", "write a heap profile to FILE when the dashboard quits")
	helpFlag(fs, &o.Help)
	return fs
}

// TopUsage is the dashboard's help before its flags.
const TopUsage = `Usage: conntab top [flags] [FILTER...]

The live dashboard: every socket grouped by state, remote endpoints with
TIME_WAIT buildup flagged, listeners with the audit's findings (conntab
listeners), processes, ephemeral ports. It needs a terminal; press ? in it
for its keys. FILTER (docs/filter.md) is the filter it starts with;
/ changes it. conntab with no arguments opens it too, on a terminal.

Flags:
`
