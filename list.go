package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/filter"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/sample"
)

// listOptions are the flags of `conntab list`.
type listOptions struct {
	tcp, udp         bool
	inet, inet6      bool
	listening, all   bool
	extended, timers bool
	processes        bool
	flagged          bool
	noHeader         bool
	summary          bool
	format           string // text, json or csv
	mode             collect.Mode
	netns            string
	filterFile       string
	help             bool
}

func (o *listOptions) flags() *pflag.FlagSet {
	fs := cli.NewFlags("list")
	fs.BoolVarP(&o.tcp, "tcp", "t", false, "TCP sockets (default: TCP and UDP)")
	fs.BoolVarP(&o.udp, "udp", "u", false, "UDP sockets")
	fs.BoolVarP(&o.inet, "ipv4", "4", false, "IPv4 sockets only (default: both families)")
	fs.BoolVarP(&o.inet6, "ipv6", "6", false, "IPv6 sockets only")
	fs.BoolVarP(&o.listening, "listening", "l", false, "listening sockets only (TCP LISTEN, UDP UNCONN)")
	fs.BoolVarP(&o.all, "all", "a", false, "sockets in every state (default: all but listening, TIME_WAIT included)")
	fs.BoolP("numeric", "n", false, "accepted out of habit: numbers are always shown")
	fs.BoolVarP(&o.extended, "extended", "e", false, "add UID, Inode and Cookie")
	fs.BoolVarP(&o.timers, "options", "o", false, "add the Timer column (kind,expiry,retransmits)")
	fs.BoolVarP(&o.processes, "processes", "p", false, "add User and Process: who holds each socket (other users' need root)")
	fs.BoolVar(&o.flagged, "flags", false, "add Flags: the remote endpoint's flags (docs/flags.md); reads every TCP socket to count pools")
	fs.BoolVarP(&o.noHeader, "no-header", "H", false, "no header line")
	fs.BoolVarP(&o.summary, "summary", "s", false, "counts per protocol and state instead of sockets")
	cli.Switch(fs, "json", "", "one JSON object per socket per line (docs/json.md)", func() { o.format = "json" })
	cli.Switch(fs, "csv", "", "comma-separated values with a header line", func() { o.format = "csv" })
	sourceFlag(fs, &o.mode, "where sockets are read from (default auto: netlink, else /proc)")
	netnsFlag(fs, &o.netns, "read the network namespace NAME (/run/netns/NAME) or at PATH; needs root")
	fileFlag(fs, &o.filterFile, "filter", "F", "FILE", "read the filter from FILE instead of the arguments")
	helpFlag(fs, &o.help)
	return fs
}

// states is the state set the flags ask for.
func (o *listOptions) states() model.StateSet {
	switch {
	case o.all:
		return model.AllStateSet
	case o.listening:
		return model.ListeningStateSet
	}
	// ss hides TIME_WAIT by default; conntab does not, since that is where
	// port exhaustion hides.
	return model.AllStateSet &^ (model.ListeningStateSet | model.NewStateSet(model.StateClose, model.StateBoundInactive))
}

// config is what the flags ask the collector to read.
func (o *listOptions) config() collect.Config {
	cfg := collect.Config{Mode: o.mode, States: o.states(), Processes: o.processes}
	if o.tcp {
		cfg.Protos = append(cfg.Protos, model.ProtoTCP)
	}
	if o.udp {
		cfg.Protos = append(cfg.Protos, model.ProtoUDP)
	}
	if o.inet != o.inet6 {
		if o.inet {
			cfg.Families = []model.Family{model.FamilyInet}
		} else {
			cfg.Families = []model.Family{model.FamilyInet6}
		}
	}
	return cfg
}

// listing is how the flags ask for the sockets to be written.
func (o *listOptions) listing() render.ListingOptions {
	l := render.ListingOptions{
		NoHeader: o.noHeader,
		Columns:  render.ColumnSet{Extended: o.extended, Timers: o.timers, Processes: o.processes, Flags: o.flagged},
	}
	switch {
	case o.summary:
		l.Format = render.ListingSummary
	case o.format == "json":
		l.Format = render.ListingJSON
	case o.format == "csv":
		l.Format = render.ListingCSV
	}
	return l
}

const listUsage = `Usage: conntab list [flags] [FILTER...]

Lists the sockets of this network namespace, one per line, as ss does; unlike
ss, TIME_WAIT sockets are shown by default. Flags cluster: conntab list -tan.
FILTER is ss's filter language (docs/filter.md), for example
  conntab list state time-wait '( dport = :443 or sport = :443 )'
A state clause replaces what -a and -l select, and is handed to the kernel.

Flags:
`

// runList is `conntab list` (and `conntab` with flags only).
func runList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o listOptions
	rest, err := parseArgs(args, o.flags())
	if err != nil {
		return err
	}
	if o.help {
		return printHelp(stdout, listUsage, o.flags())
	}
	netns, err := netnsFile(o.netns)
	if err != nil {
		return err
	}
	expr, err := o.filterText(rest)
	if err != nil {
		return err
	}
	f, err := filter.Parse(expr)
	if err != nil {
		return &usageError{Msg: err.Error(), Err: err}
	}
	// The service table loads on the other core while the kernel is read:
	// only the filter's states are needed before, and they need no names.
	services := names.HostServicesAsync(names.ServicesFile, warner(stderr))
	cfg, asked := o.collectConfig(f)
	cfg.NetNS = netns
	cfg.Notify = func(msg string) { fmt.Fprintln(stderr, msg) }
	taken, collectErr := sample.Take(ctx, &sample.Config{Collect: collect.New(cfg).Collect, Dests: o.flagged}, nil)
	labels := &render.Labeler{Labeler: names.Labeler{Services: services()}}
	if taken == nil {
		return collectErr
	}
	// The listing is the sample's only reader: it narrows the snapshot in
	// place rather than copy 130k sockets.
	snap := taken.Net().Snap
	labels.Host, labels.Snapshot, labels.Dests = &snap.Host, snap, taken.Net().Dests
	if o.processes {
		labels.UserName = names.HostUsers(names.PasswdFile, warner(stderr)).Name
	}
	m, err := f.Compile(&labels.Labeler)
	if err != nil {
		return &usageError{Msg: err.Error(), Err: err}
	}
	keep := snap.Sockets[:0]
	for i := range snap.Sockets {
		if s := &snap.Sockets[i]; asked(s) && m.Match(s) {
			keep = append(keep, *s)
		}
	}
	snap.Sockets = keep
	warnListing(stderr, snap, labels.Dests)
	return listSnapshot(snap, collectErr, &o, labels, stdout)
}

// collectConfig is what the listing reads for the flags and the filter
// f. Flags (--flags) count whole pools: U depends on the listeners, and
// a pool on its sockets in every state. Then every state of TCP is read,
// and asked tells the sockets asked for.
func (o *listOptions) collectConfig(f *filter.Filter) (cfg collect.Config, asked func(*model.Socket) bool) {
	cfg = o.config()
	if f.HasStates {
		cfg.States = f.States
	}
	cfg.Processes = cfg.Processes || f.NeedsProcesses()
	if !o.flagged {
		return cfg, func(*model.Socket) bool { return true }
	}
	wanted, protos := cfg.States, cfg.Protos
	cfg.States = model.AllStateSet
	if cfg.Protos != nil && !slices.Contains(cfg.Protos, model.ProtoTCP) {
		cfg.Protos = append(cfg.Protos, model.ProtoTCP)
	}
	return cfg, func(s *model.Socket) bool {
		return wanted.Has(s.State) && (protos == nil || slices.Contains(protos, s.Proto))
	}
}

// warnListing says on stderr what the listing does not show: flags on
// remote endpoints (conntab ports explains them; the index points at no
// socket, so the narrowed rows leave it whole), and sockets whose
// processes could not be seen.
func warnListing(stderr io.Writer, snap *model.Snapshot, dests *analyze.DestIndex) {
	if dests != nil {
		if sev, n := dests.Severity(), len(dests.Flags); sev != analyze.SeverityNone {
			fmt.Fprintf(stderr, "conntab: %d flags on remote endpoints, the worst %s: 'conntab ports' explains them\n", n, sev)
		}
	}
	if snap.Owners != nil && snap.Owners.Hidden > 0 {
		if n := snap.Unowned(); n > 0 {
			fmt.Fprintf(stderr, "conntab: %d sockets belong to processes you cannot inspect (%d processes): run as root to name them\n", n, snap.Owners.Hidden)
		}
	}
}

// filterText is the filter the command line gives: the arguments left
// after the flags, joined as ss joins them, or the file -F names.
func (o *listOptions) filterText(args []string) (string, error) {
	if o.filterFile == "" {
		return strings.Join(args, " "), nil
	}
	if len(args) > 0 {
		return "", usagef("a filter in -F %s and in the arguments (%q): give one", o.filterFile, strings.Join(args, " "))
	}
	b, err := os.ReadFile(o.filterFile)
	if err != nil {
		return "", fmt.Errorf("reading the filter: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// warner says a warning on stderr: the name tables' (names.HostUsers).
func warner(stderr io.Writer) func(error) {
	return func(err error) { fmt.Fprintf(stderr, "conntab: %s\n", oneLine(err)) }
}

// listSnapshot writes what a collection returned. On a decoding error the
// snapshot still holds every socket that could be read: they are listed,
// and the error is returned after them.
func listSnapshot(snap *model.Snapshot, collectErr error, o *listOptions, labels *render.Labeler, stdout io.Writer) error {
	err := writeReport(stdout, "listing", func(w *bufio.Writer) error {
		render.Listing(w, snap, o.listing(), labels)
		return nil
	})
	return ending(err, collectErr, false, nil)
}

// oneLine joins a multi-line error (errors.Join) into one line.
func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

// exitCode is the status for err: 0, 2 for usage errors, 1 otherwise.
func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	return 1
}
