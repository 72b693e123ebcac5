package cli

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/conntab/conntab/analyze"
)

// PortsOptions are the flags of `conntab ports`.
type PortsOptions struct {
	Source string // --source as given; "" is auto
	// NetNS is each -N as given: one namespace, several, or "all".
	NetNS []string
	JSON  bool
	Check bool
	// Interval is -i: the time between the report's two samples; 0 for
	// one sample.
	Interval time.Duration
	Top      int
	// Thresholds are --threshold's: what raises the findings (--check).
	Thresholds analyze.Thresholds
	// WhatIf is --what-if's settings: the report is made again under
	// them, beside the one as read.
	WhatIf analyze.WhatIf
	Help   bool
}

// DefaultPortsOptions are the ports report's options before its flags.
func DefaultPortsOptions() PortsOptions {
	return PortsOptions{Top: 20, Thresholds: analyze.DefaultThresholds()}
}

// MinPortsInterval is the shortest -i: closer samples give no rates
// (analyze.Thresholds.MinInterval).
const MinPortsInterval = 500 * time.Millisecond

// Flags defines the ports report's flags into o.
func (o *PortsOptions) Flags() *pflag.FlagSet {
	fs := NewFlags("ports")
	netnsAllFlag(fs, &o.NetNS, "read the network namespace NAME (/run/netns/NAME) or at PATH, needs root; repeat for several, or all: every namespace of the host, each judged with its own port range and settings and named (its container, else its name, else its inode)")
	sourceFlag(fs, &o.Source, "where sockets are read from (default auto: netlink, else /proc; /proc cannot see accept queues' backlogs)")
	Arg(fs, "interval", "i", "DURATION", "take a second sample DURATION after the first: rates, counters' growth and time to exhaustion from the two (at least 500ms)",
		func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < MinPortsInterval {
				return fmt.Errorf("%q: want a duration of at least %v, such as 5s", v, MinPortsInterval)
			}
			o.Interval = d
			return nil
		})
	Arg(fs, "top", "", "N", "show the N most severe, then fullest, pools (default 20; --json lists every pool)",
		func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("%q: want a whole number of pools, 1 or more", v)
			}
			o.Top = n
			return nil
		})
	fs.BoolVar(&o.JSON, "json", false, "one JSON document instead of the text (docs/json.md)")
	fs.BoolVar(&o.Check, "check", false, "exit 3 when the worst finding is a warning, 4 when it is critical (0 otherwise)")
	thresholdFlag(fs, &o.Thresholds, "the findings (and --check's verdict)")
	Arg(fs, "what-if", "", "SETTING=VALUE", "judge the pools again as if SETTING were VALUE, beside the report: range=LO-HI, reserved=LIST, tw_reuse=N, timestamps=N, sources=N (local addresses per destination; repeatable; nothing changes on the host)",
		func(v string) error { return analyze.ParseWhatIf(&o.WhatIf, v) })
	helpFlag(fs, &o.Help)
	return fs
}

// PortsUsage is the ports report's help before its flags.
const PortsUsage = `Usage: conntab ports [flags]

Why connect() fails with EADDRNOTAVAIL, or soon will. connect() picks a
local port per (local address, remote address, remote port): each such pool
has U ports, the ephemeral range less the reserved ones and those a bind()
holds. The report shows every pool with what holds its ports, how fast
connections turn over and how fast they can; the sysctls and counters that
bear on them; sockets bound before connect(), ports held inside the range,
full accept queues; and findings, each with what to change, what that fixes
and what it does not (docs/exhaustion.md). Only TCP is read.

With -N all (or -N given more than once) every namespace is judged on its
own: its port range, reserved ports, sysctls and counters. The report then
has a row per namespace, and every pool and finding names its namespace
(its container, else its ip netns name, else its inode); --check judges
the worst of them all.

--what-if tries a fix before it is made: the same sockets judged again
under another port range, other reserved ports, tcp_tw_reuse, or more
local addresses to connect from, each pool
shown as read and as it would be. --check still judges the report as read.

With --check the exit status says the worst finding: 0 none or notice, 3
warn, 4 critical; 1 when the kernel could not be read in full, 2 for a bad
command line.

Flags:
`

// Validate checks what the flags ask together: --what-if judges one
// namespace, so it does not go with several (-N all).
func (o *PortsOptions) Validate() error {
	if o.SeveralNetNS() && !o.WhatIf.IsZero() {
		return Usagef("--what-if judges one namespace: give one -N, or none, not several or all")
	}
	return nil
}
