package cli

import (
	"github.com/spf13/pflag"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// ListOptions are the flags of `conntab list` (and of conntab with flags
// only).
type ListOptions struct {
	TCP, UDP         bool
	IPv4, IPv6       bool
	Listening, All   bool
	Extended, Timers bool
	Processes        bool
	Flagged          bool // --flags
	NoHeader         bool
	Summary          bool
	Format           string // "" (text), json or csv: the last of --json and --csv
	Source           string // --source as given; "" is auto
	NetNS            string // -N as given
	FilterFile       string // -F
	// Thresholds are --threshold's, for --flags; zero for the defaults.
	Thresholds analyze.Thresholds
	Help       bool
}

// Flags defines the listing's flags into o.
func (o *ListOptions) Flags() *pflag.FlagSet {
	fs := NewFlags("list")
	fs.BoolVarP(&o.TCP, "tcp", "t", false, "TCP sockets (default: TCP and UDP)")
	fs.BoolVarP(&o.UDP, "udp", "u", false, "UDP sockets")
	fs.BoolVarP(&o.IPv4, "ipv4", "4", false, "IPv4 sockets only (default: both families)")
	fs.BoolVarP(&o.IPv6, "ipv6", "6", false, "IPv6 sockets only")
	fs.BoolVarP(&o.Listening, "listening", "l", false, "listening sockets only (TCP LISTEN, UDP UNCONN)")
	fs.BoolVarP(&o.All, "all", "a", false, "sockets in every state (default: all but listening, TIME_WAIT included)")
	fs.BoolP("numeric", "n", false, "accepted out of habit: numbers are always shown")
	fs.BoolVarP(&o.Extended, "extended", "e", false, "add UID, Inode and Cookie")
	fs.BoolVarP(&o.Timers, "options", "o", false, "add the Timer column (kind,expiry,retransmits)")
	fs.BoolVarP(&o.Processes, "processes", "p", false, "add User and Process: who holds each socket (other users' need root)")
	fs.BoolVar(&o.Flagged, "flags", false, "add Flags: the remote endpoint's flags (docs/flags.md); reads every TCP socket to count pools")
	fs.BoolVarP(&o.NoHeader, "no-header", "H", false, "no header line")
	fs.BoolVarP(&o.Summary, "summary", "s", false, "counts per protocol and state instead of sockets")
	Switch(fs, "json", "", "one JSON object per socket per line (docs/json.md)", func() { o.Format = "json" })
	Switch(fs, "csv", "", "comma-separated values with a header line", func() { o.Format = "csv" })
	sourceFlag(fs, &o.Source, "where sockets are read from (default auto: netlink, else /proc)")
	netnsFlag(fs, &o.NetNS, "read the network namespace NAME (/run/netns/NAME) or at PATH; needs root")
	fileFlag(fs, &o.FilterFile, "filter", "F", "FILE", "read the filter from FILE instead of the arguments")
	thresholdFlag(fs, &o.Thresholds, "the Flags column (--flags)")
	helpFlag(fs, &o.Help)
	return fs
}

// States is the state set the flags ask for.
func (o *ListOptions) States() model.StateSet {
	switch {
	case o.All:
		return model.AllStateSet
	case o.Listening:
		return model.ListeningStateSet
	}
	// ss hides TIME_WAIT by default; conntab does not, since that is where
	// port exhaustion hides.
	return model.AllStateSet &^ (model.ListeningStateSet | model.NewStateSet(model.StateClose, model.StateBoundInactive))
}

// ListUsage is the listing's help before its flags.
const ListUsage = `Usage: conntab list [flags] [FILTER...]

Lists the sockets of this network namespace, one per line, as ss does; unlike
ss, TIME_WAIT sockets are shown by default. Flags cluster: conntab list -tan.
FILTER is ss's filter language (docs/filter.md), for example
  conntab list state time-wait '( dport = :443 or sport = :443 )'
A state clause replaces what -a and -l select, and is handed to the kernel.

Flags:
`
