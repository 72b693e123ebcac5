package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"

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
	if err != nil || o.Help {
		return helpOr(err, stdout, cli.ListUsage, o.Flags)
	}
	lo, err := render.ListingFor(&o)
	if err != nil {
		return err
	}
	cfg, err := readConfig(o.Source, o.NetNS...)
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
	labels := &render.Labeler{}
	if need.Users {
		labels.UserName = names.HostUsers(names.PasswdFile, warner(stderr)).Name
	}
	if render.Streams(&lo) && !need.Flags && !cfg.Processes && !o.Resolve {
		return streamList(ctx, collect.New(cfg), f, o.FilterFile, lo, labels, services, stdout)
	}
	taken, collectErr := sample.Take(ctx, &sample.Config{Collect: collect.New(cfg).Collect, Dests: need.Flags, Thresholds: o.Thresholds}, nil)
	labels.Services = services()
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
	m, err := f.Compile(&labels.Labeler)
	if err != nil {
		return filterError(o.FilterFile, err)
	}
	snap.Sockets = m.Keep(snap.Sockets, asked)
	if o.Resolve && lo.Format == render.ListingTable { // JSON and CSV keep numbers
		labels.Hosts = new(names.Resolver).Resolve(ctx, names.Addrs(snap.Sockets))
	}
	for _, note := range render.ListingNotes(snap, labels.Dests, os.Geteuid()) {
		fmt.Fprintln(stderr, note)
	}
	return listSnapshot(snap, collectErr, lo, labels, stdout)
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

// streamList writes the listing as the kernel's replies are decoded
// (collect.Stream), holding no more than a window of sockets: the listing
// of a million costs the memory of a few thousand. The namespace's facts
// reach the names with the first batch.
func streamList(ctx context.Context, c *collect.Collector, f *filter.Filter, file string, lo render.ListingOptions,
	labels *render.Labeler, services func() *names.Services, stdout io.Writer) error {
	labels.Services = services()
	m, err := f.Compile(&labels.Labeler)
	if err != nil {
		return filterError(file, err)
	}
	var collectErr error
	err = writeReport(stdout, "listing", func(w *bufio.Writer) error {
		out := render.NewListingStream(w, lo, labels)
		_, collectErr = c.Stream(ctx, func(snap *model.Snapshot, socks []model.Socket) error {
			labels.Host, labels.Snapshot = &snap.Host, snap
			return out.Write(m.Keep(socks, nil))
		})
		if collectErr != nil && labels.Snapshot == nil {
			return nil // nothing read: a header would read as an empty host
		}
		return out.Close()
	})
	return ending(err, collectErr, false, nil)
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

// listConfig is what the listing reads, over cfg, for the selection sel,
// and asked the sockets sel asks for. Flags (--flags, a Flags column)
// count whole pools, whose U depends on the listeners: then every state
// of TCP is read.
func listConfig(cfg collect.Config, sel render.Selection, processes, flags bool) (_ collect.Config, asked func(*model.Socket) bool) {
	cfg.States, cfg.Processes, cfg.Protos, cfg.Families = sel.States, processes, sel.Protos, sel.Families
	if flags {
		cfg.States = model.AllStateSet
		if cfg.Protos != nil && !slices.Contains(cfg.Protos, model.ProtoTCP) {
			cfg.Protos = append(slices.Clip(cfg.Protos), model.ProtoTCP)
		}
	}
	return cfg, func(s *model.Socket) bool {
		return sel.States.Has(s.State) && (sel.Protos == nil || slices.Contains(sel.Protos, s.Proto))
	}
}

// warner says a warning on stderr: the name tables' (names.HostUsers).
func warner(stderr io.Writer) func(error) {
	return func(err error) { fmt.Fprintf(stderr, "conntab: %s\n", cli.OneLine(err)) }
}
