package cli

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"
)

// WatchOptions are the flags of `conntab watch`, the stream of events.
type WatchOptions struct {
	Interval    time.Duration
	NetNS       string // -N as given
	JSON        bool
	NoProcesses bool
	// SamplesOnly leaves the kernel's destroy messages out: closes come
	// from the samples, as where the messages cannot be had.
	SamplesOnly bool
	FilterFile  string // -F
	Help        bool
}

// DefaultWatchOptions are the stream's options before its flags.
func DefaultWatchOptions() WatchOptions {
	return WatchOptions{Interval: time.Second}
}

// Flags defines the stream's flags into o.
func (o *WatchOptions) Flags() *pflag.FlagSet {
	fs := NewFlags("watch")
	Arg(fs, "interval", "i", "DURATION", "time between samples, which find opens and state changes (default 1s; at least 10ms)",
		func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 10*time.Millisecond {
				return fmt.Errorf("%q: want a duration of at least 10ms, such as 1s or 100ms", v)
			}
			o.Interval = d
			return nil
		})
	netnsFlag(fs, &o.NetNS, "watch the network namespace NAME (/run/netns/NAME) or at PATH; needs root")
	fs.BoolVar(&o.JSON, "json", false, "one JSON object per event per line (docs/json.md)")
	fs.BoolVarP(&o.NoProcesses, "no-processes", "P", false, "do not name the processes holding sockets (saves the /proc walk)")
	fs.BoolVar(&o.SamplesOnly, "samples-only", false, "find closes in the samples alone, not in the kernel's destroy messages")
	fileFlag(fs, &o.FilterFile, "filter", "F", "FILE", "read the filter from FILE instead of the arguments")
	helpFlag(fs, &o.Help)
	return fs
}

// WatchUsage is the stream's help before its flags.
const WatchUsage = `Usage: conntab watch [flags] [FILTER...]

A stream of events, one per line, until interrupted: open (a new connection
or listener), state (a TCP state change), close (with how long conntab saw it
open and, from the kernel's destroy message, its final bytes acked and
received, retransmits and rtt), connect_error and bind_error (a connect() or
bind() the kernel refused, with its errno, the caller's pid, comm and
container, the destination, and the time spent looking for a local port).
Opens and state changes come from samples every -i; closes from the kernel's
sock_diag destroy messages, or, where they cannot be had (or with
--samples-only), from the samples, said so in each event. Where eBPF loads
(root, a kernel with BTF), TCP connections open at the kernel's time from
its inet_sock_set_state tracepoint, and failures come from its sys_exit
tracepoint; where it does not (or with CONNTAB_NO_BPF=1 in the environment)
watch says once why, and shows no failures. Sockets open when it starts make
no event. FILTER (docs/filter.md) selects the events by their socket as
conntab last saw it (a failure's by its destination), for example
  conntab watch --json dport = :443

Flags:
`
