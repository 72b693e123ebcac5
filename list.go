package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/filter"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/sample"
)

// runList is `conntab list` (and `conntab` with flags only).
func runList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o cli.ListOptions
	rest, err := parseArgs(args, o.Flags())
	if err != nil {
		return err
	}
	if o.Help {
		return printHelp(stdout, cli.ListUsage, o.Flags())
	}
	lo, err := listing(&o)
	if err != nil {
		return err
	}
	cfg, err := readConfig(o.Source, o.NetNS)
	if err != nil {
		return err
	}
	f, err := parseFilter(o.FilterFile, rest)
	if err != nil {
		return err
	}
	// The service table loads on the other core while the kernel is read:
	// only the filter's states are needed before, and they need no names.
	services := names.HostServicesAsync(names.ServicesFile, warner(stderr))
	lo.Selection = selection(&o, f)
	need := lo.Needs()
	cfg, asked := listConfig(cfg, lo.Selection, need.Processes || f.NeedsProcesses(), need.Flags)
	cfg.Notify = notifier(stderr)
	taken, collectErr := sample.Take(ctx, &sample.Config{Collect: collect.New(cfg).Collect, Dests: need.Flags, Thresholds: o.Thresholds}, nil)
	labels := &render.Labeler{Labeler: names.Labeler{Services: services()}}
	if taken == nil {
		return collectErr
	}
	// The listing is the sample's only reader: it narrows the snapshot in
	// place rather than copy 130k sockets.
	snap := taken.Net().Snap
	if collectErr != nil && len(snap.Sockets) == 0 {
		// Nothing was read (netlink refused with --source netlink, say):
		// a header or a summary of nothing would read as an empty host.
		return collectErr
	}
	labels.Host, labels.Snapshot, labels.Dests = &snap.Host, snap, taken.Net().Dests
	if need.Users {
		labels.UserName = names.HostUsers(names.PasswdFile, warner(stderr)).Name
	}
	m, err := f.Compile(&labels.Labeler)
	if err != nil {
		return filterError(o.FilterFile, err)
	}
	keep := snap.Sockets[:0]
	for i := range snap.Sockets {
		if s := &snap.Sockets[i]; asked(s) && m.Match(s) {
			keep = append(keep, *s)
		}
	}
	snap.Sockets = keep
	if o.Resolve && lo.Format == render.ListingTable { // JSON and CSV keep numbers
		labels.Hosts = new(names.Resolver).Resolve(ctx, names.Addrs(snap.Sockets))
	}
	warnListing(stderr, snap, labels.Dests)
	return listSnapshot(snap, collectErr, lo, labels, stdout)
}

// parseFilter parses the filter the command line gives (cli.FilterText);
// one that does not parse is a usage error.
func parseFilter(file string, args []string) (*filter.Filter, error) {
	expr, err := cli.FilterText(file, args, names.ReadUserFile)
	if err != nil {
		return nil, err
	}
	f, err := filter.Parse(expr)
	if err != nil {
		return nil, filterError(file, err)
	}
	return f, nil
}

// selection is which sockets the flags and the filter f ask for: the
// protocols, the families and the states (a state clause replaces what
// -a and -l select).
func selection(o *cli.ListOptions, f *filter.Filter) render.Selection {
	sel := render.Selection{States: o.States(), Protos: o.Protos(), Families: o.Families()}
	if f.HasStates {
		sel.States = f.States
	}
	if f.Expr != nil {
		sel.Filter = f.Expr.String()
	}
	return sel
}

// listConfig is what the listing reads, over cfg, for the selection sel;
// processes when asked. Flags (--flags, or a Flags column) count whole
// pools: U depends on the listeners, and a pool on its sockets in every
// state. Then every state of TCP is read, and asked tells the sockets
// asked for.
func listConfig(cfg collect.Config, sel render.Selection, processes, flags bool) (_ collect.Config, asked func(*model.Socket) bool) {
	cfg.States, cfg.Processes = sel.States, processes
	cfg.Protos, cfg.Families = sel.Protos, sel.Families
	if !flags {
		return cfg, func(*model.Socket) bool { return true }
	}
	wanted, protos := cfg.States, cfg.Protos
	cfg.States = model.AllStateSet
	if cfg.Protos != nil && !slices.Contains(cfg.Protos, model.ProtoTCP) {
		cfg.Protos = append(slices.Clip(cfg.Protos), model.ProtoTCP)
	}
	return cfg, func(s *model.Socket) bool {
		return wanted.Has(s.State) && (protos == nil || slices.Contains(protos, s.Proto))
	}
}

// listing is how the flags ask for the sockets to be written. Flags that
// ask for two outputs at once, and column names that are not, are usage
// errors.
func listing(o *cli.ListOptions) (render.ListingOptions, error) {
	l := render.ListingOptions{
		NoHeader: o.NoHeader,
		Columns:  render.ColumnSet{Extended: o.Extended, Timers: o.Timers, Processes: o.Processes, Flags: o.Flagged},
	}
	if err := o.Conflicts(); err != nil {
		return l, err
	}
	var err error
	if o.Columns != "" {
		if l.Names, err = render.ParseColumns(o.Columns); err != nil {
			return l, &usageError{Msg: "flag --columns: " + err.Error(), Err: err}
		}
	}
	if o.Sort != "" {
		if l.Sort, err = render.ParseSort(o.Sort); err != nil {
			return l, &usageError{Msg: "flag --sort: " + err.Error(), Err: err}
		}
	}
	switch {
	case o.Summary && o.JSON:
		l.Format = render.ListingSummaryJSON
	case o.Summary:
		l.Format = render.ListingSummary
	case o.JSON:
		l.Format = render.ListingJSON
	case o.CSV:
		l.Format = render.ListingCSV
	}
	return l, nil
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
	if note := render.HiddenOwnersNote(snap, os.Geteuid()); note != "" {
		fmt.Fprintln(stderr, note)
	}
}

// warner says a warning on stderr: the name tables' (names.HostUsers).
func warner(stderr io.Writer) func(error) {
	return func(err error) { fmt.Fprintf(stderr, "conntab: %s\n", oneLine(err)) }
}

// listSnapshot writes what a collection returned. On a decoding error the
// snapshot still holds every socket that could be read: they are listed,
// and the error is returned after them.
func listSnapshot(snap *model.Snapshot, collectErr error, o render.ListingOptions, labels *render.Labeler, stdout io.Writer) error {
	err := writeReport(stdout, "listing", func(w *bufio.Writer) error {
		render.Listing(w, snap, o, labels)
		return nil
	})
	return ending(err, collectErr, false, nil)
}
