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
	Resolve          bool // -r: host names in Local and Peer
	Flagged          bool // --flags
	NoHeader         bool
	Summary          bool
	JSON, CSV        bool     // --json, --csv: at most one (Conflicts)
	Columns          string   // --columns as given: names, comma-separated
	Sort             string   // --sort as given: COL[:desc], comma-separated
	Source           string   // --source as given; "" is auto
	NetNS            []string // -N as given, once or more ("all": every namespace)
	FilterFile       string   // -F
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
	fs.BoolP("numeric", "n", false, "accepted out of habit: ports are always numbers (the Service column names them)")
	fs.BoolVarP(&o.Resolve, "resolve", "r", false, "show host names in Local and Peer (reverse lookups: /etc/hosts, then DNS, at most 1s in all; unanswered addresses stay numbers)")
	fs.BoolVarP(&o.Extended, "extended", "e", false, "add UID, Inode and Cookie")
	fs.BoolVarP(&o.Timers, "options", "o", false, "add the Timer column (kind,expiry,retransmits)")
	fs.BoolVarP(&o.Processes, "processes", "p", false, "add User and Process: who holds each socket (other users' need root)")
	fs.BoolVar(&o.Flagged, "flags", false, "add Flags: the remote endpoint's flags (docs/flags.md); reads every TCP socket to count pools")
	fs.BoolVarP(&o.NoHeader, "no-header", "H", false, "no header line")
	fs.BoolVarP(&o.Summary, "summary", "s", false, "counts per state, protocol and family instead of sockets, in every state unless -l or a filter narrows it, and ss -s's figures")
	fs.BoolVar(&o.JSON, "json", false, "one JSON object per socket per line; with -s, one document (docs/json.md)")
	fs.BoolVar(&o.CSV, "csv", false, "comma-separated values with a header line")
	Arg(fs, "columns", "", "COL,...", "the table's columns, in this order, instead of the default and those -e, -o, -p and --flags add",
		func(v string) error { o.Columns = v; return nil })
	Arg(fs, "sort", "", "COL[:desc],...", "sort by these columns, then by peer and local address (default: as read)",
		func(v string) error { o.Sort = v; return nil })
	sourceFlag(fs, &o.Source, "where sockets are read from (default auto: netlink, else /proc)")
	netnsAllFlag(fs, &o.NetNS, "read the network namespace NAME (/run/netns/NAME) or at PATH, needs root; repeat for several, or all: every namespace of the host, with a Namespace column (its container, else its name, else its inode)")
	fileFlag(fs, &o.FilterFile, "filter", "F", "FILE", "read the filter from FILE instead of the arguments")
	thresholdFlag(fs, &o.Thresholds, "the Flags column (--flags)")
	helpFlag(fs, &o.Help)
	return fs
}

// Conflicts is the usage error of flags that ask for two outputs at once,
// naming both; nil when there is none.
func (o *ListOptions) Conflicts() error {
	format := "--json"
	if o.CSV {
		format = "--csv"
	}
	switch {
	case o.JSON && o.CSV:
		return Usagef("flags --json and --csv ask for two formats: give one")
	case o.Summary && o.CSV:
		return Usagef("flags -s (--summary) and --csv: the summary has no CSV form (-s --json is its JSON)")
	case o.Summary && o.Columns != "":
		return Usagef("flags -s (--summary) and --columns: the summary has no socket columns")
	case o.Summary && o.Sort != "":
		return Usagef("flags -s (--summary) and --sort: the summary has no rows to sort")
	case (o.JSON || o.CSV) && o.Columns != "":
		return Usagef("flags %s and --columns: --columns chooses the table's columns, %s writes every field", format, format)
	}
	return nil
}

// States is the state set the flags ask for. The summary counts every
// state unless -l asks for listeners, as ss -s does.
func (o *ListOptions) States() model.StateSet {
	switch {
	case o.All:
		return model.AllStateSet
	case o.Listening:
		return model.ListeningStateSet
	case o.Summary:
		return model.AllStateSet
	}
	// ss hides TIME_WAIT by default; conntab does not, since that is where
	// port exhaustion hides.
	return model.AllStateSet &^ (model.ListeningStateSet | model.NewStateSet(model.StateClose, model.StateBoundInactive))
}

// Protos are the protocols the flags ask for (-t, -u); nil for both.
func (o *ListOptions) Protos() []model.Proto {
	var ps []model.Proto
	if o.TCP {
		ps = append(ps, model.ProtoTCP)
	}
	if o.UDP {
		ps = append(ps, model.ProtoUDP)
	}
	return ps
}

// Families are the address families the flags ask for (-4, -6); nil for
// both.
func (o *ListOptions) Families() []model.Family {
	switch {
	case o.IPv4 == o.IPv6:
		return nil
	case o.IPv4:
		return []model.Family{model.FamilyInet}
	}
	return []model.Family{model.FamilyInet6}
}

// ListUsage is the listing's help before its flags.
const ListUsage = `Usage: conntab list [flags] [FILTER...]

Lists the sockets of this network namespace, one per line, as ss does; unlike
ss, TIME_WAIT sockets are shown by default. Flags cluster: conntab list -tan.
FILTER is ss's filter language (docs/filter.md), for example
  conntab list state time-wait '( dport = :443 or sport = :443 )'
A state clause replaces what -a and -l select, and is handed to the kernel.

-N all lists every network namespace of the host at once (root enters them;
others get their own): a Namespace column names each socket's by its
container (Podman, Docker, containerd, CRI-O), else its ip netns name, else
its inode; -s adds a row per namespace; filters netns N and container NAME
pick some.
  conntab list -a -N all container web

--columns and --sort name the columns as the JSON does (docs/json.md): netns,
proto, state, recv_q, send_q, local, remote, service, uid, inode, cookie,
class, timer, user, process, flags; the dashboard's titles (Peer, Recv-Q)
work too.
  conntab list -ta --sort state,remote:desc --columns state,local,remote,process

Flags:
`
