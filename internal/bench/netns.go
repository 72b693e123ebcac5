//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The namespaces mode (-netns N) measures what reading many namespaces
// costs (issue 17): N namespaces of one holder each, every one bind-mounted
// under /run/netns so that ss -N can name it, timed three ways side by
// side: conntab list -a -N all, conntab list -a with one -N per namespace,
// and a shell loop of ss -tan -N NAME over the same namespaces. Then the
// namespaces are closed and the same sockets are made in one namespace (N
// holders of the same shape), where conntab list -a and ss -tan are timed:
// the cost of the same table without namespaces.

// Namespaces-mode probe indexes.
const (
	nAll = iota
	nEach
	nSSLoop
	nOne
	nOneSS
	nNSProbes
)

// nsRatioPairs are the ratios the namespaces report gives.
var nsRatioPairs = [][2]int{{nAll, nSSLoop}, {nEach, nSSLoop}, {nAll, nOne}, {nEach, nOne}, {nOne, nOneSS}}

// nsRun is what the namespaces mode measured.
type nsRun struct {
	probes []*probe
	// many are the counts of each namespace before the rounds; one is
	// the single namespace's.
	many []counts
	one  counts
	// built is how long the namespaces took to make and fill.
	built  time.Duration
	ehash  string
	rounds int
}

// nsShape is one namespace's fixture: one holder, cfg.nsConns
// connections, nothing else.
func (c config) nsShape() config {
	s := c
	s.holders, s.conns, s.udp, s.timeWait, s.other = 1, c.nsConns, 0, 0, 0
	return s
}

// oneShape holds the sockets of every namespace of the mode in one: as
// many holders of the same shape.
func (c config) oneShape() config {
	s := c.nsShape()
	s.holders, s.conns = c.namespaces, c.namespaces*c.nsConns
	return s
}

func runNetNS(ctx context.Context, cfg config, stdout, log io.Writer) (err error) {
	if os.Geteuid() != 0 {
		return errors.New("needs root to create network namespaces: run as root")
	}
	tmp, err := os.MkdirTemp("", "conntab-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	m := machineInfo{loadStart: loadAvg()}
	bin := filepath.Join(tmp, "conntab")
	if m.revision, err = buildConntab(ctx, cfg.repo, bin); err != nil {
		return err
	}
	res := &nsRun{ehash: ehashInfo(), rounds: cfg.rounds}
	if err := res.timeMany(ctx, cfg, bin, log); err != nil {
		return err
	}
	if err := res.timeOne(ctx, cfg, bin, log); err != nil {
		return err
	}
	m.describe()
	return writeNSReport(stdout, cfg, m, res)
}

// timeMany makes the namespaces, times the three ways of reading them all,
// and closes them.
func (res *nsRun) timeMany(ctx context.Context, cfg config, bin string, log io.Writer) (err error) {
	if err := os.MkdirAll("/run/netns", 0o755); err != nil {
		return err
	}
	start := time.Now()
	var fixtures []*fixture
	var names []string
	defer func() {
		for _, f := range fixtures {
			err = errors.Join(err, f.close())
		}
	}()
	shape := cfg.nsShape()
	for i := range cfg.namespaces {
		f, err := newFixture(ctx, shape, i == 0, io.Discard)
		if err != nil {
			return fmt.Errorf("namespace %d: %w", i+1, err)
		}
		fixtures = append(fixtures, f)
		path, unmount, err := f.ns.BindMount("/run/netns")
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, unmount()) }()
		names = append(names, filepath.Base(path))
	}
	res.built = time.Since(start)
	fmt.Fprintf(log, "%d namespaces made and filled in %v\n", cfg.namespaces, res.built.Round(time.Millisecond))
	for _, f := range fixtures {
		c, err := f.counts()
		if err != nil {
			return err
		}
		res.many = append(res.many, c)
	}
	res.probes = make([]*probe, nNSProbes)
	each := []string{bin, "list", "-a"}
	for _, n := range names {
		each = append(each, "-N", n)
	}
	res.probes[nAll] = &probe{name: "conntab list -a -N all", argv: []string{bin, "list", "-a", "-N", "all"}}
	res.probes[nEach] = &probe{name: fmt.Sprintf("conntab list -a -N NAME (%d times)", len(names)), argv: each}
	loop := `for n; do ss -tan -N "$n"; done`
	res.probes[nSSLoop] = &probe{name: fmt.Sprintf("sh -c 'for n; do ss -tan -N \"$n\"; done' (%d names)", len(names)),
		argv: append([]string{"sh", "-c", loop, "sh"}, names...)}
	many := res.probes[:nSSLoop+1]
	resolve(many)
	return timeProbes(ctx, fixtures[0], many, cfg.rounds)
}

// timeOne makes one namespace with the sockets of them all and times
// conntab list -a and ss -tan in it.
func (res *nsRun) timeOne(ctx context.Context, cfg config, bin string, log io.Writer) (err error) {
	shape := cfg.oneShape()
	fmt.Fprintf(log, "one namespace: %d connections over %s\n", shape.conns, plural(shape.holders, "holder"))
	f, err := newFixture(ctx, shape, true, io.Discard)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, f.close()) }()
	if res.one, err = f.counts(); err != nil {
		return err
	}
	res.probes[nOne] = &probe{name: "conntab list -a (one namespace)", argv: []string{bin, "list", "-a"}}
	res.probes[nOneSS] = &probe{name: "ss -tan (one namespace)", argv: []string{"ss", "-tan"}}
	one := res.probes[nOne:]
	resolve(one)
	return timeProbes(ctx, f, one, cfg.rounds)
}

// timeProbes runs each probe once untimed, then rounds timed rounds, each
// probe starting a round in turn.
func timeProbes(ctx context.Context, f *fixture, probes []*probe, rounds int) error {
	if err := f.warm(ctx, probes, findGNUTime()); err != nil {
		return err
	}
	for r := range rounds {
		start := time.Now()
		if err := f.round(ctx, probes, rotateOrder(len(probes), r)); err != nil {
			return err
		}
		fmt.Fprintf(f.log, "round %d/%d: %v\n", r+1, rounds, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// writeNSReport is the namespaces mode's Markdown.
func writeNSReport(w io.Writer, cfg config, m machineInfo, res *nsRun) error {
	m.loadEnd = loadAvg()
	var b strings.Builder
	fmt.Fprintf(&b, "### %s, %d CPUs, kernel %s\n\n", m.date, m.cpus, m.kernel)
	fmt.Fprintf(&b, "- CPU: %s; memory: %s; %s; conntab at %s\n", m.cpu, m.mem, m.goVersion, m.revision)
	fmt.Fprintf(&b, "- %s\n", m.ss)
	fmt.Fprintf(&b, "- load average (1 min): %s before, %s after\n", m.loadStart, m.loadEnd)
	fmt.Fprintf(&b, "- `go run ./internal/bench -netns %d -netns-conns %d -rounds %d`\n", cfg.namespaces, cfg.nsConns, cfg.rounds)
	fmt.Fprintf(&b, "- TCP established hash: %s\n", res.ehash)
	fmt.Fprintf(&b, "- %d namespaces made and filled in %v\n\n", cfg.namespaces, res.built.Round(time.Millisecond))
	writeNSCounts(&b, res)
	writeTimes(&b, res.probes)
	b.WriteString("\n| ratio | wall, of medians | CPU user+sys, of medians | sys, of medians | peak RSS, of medians |\n")
	b.WriteString("|---|--:|--:|--:|--:|\n")
	for _, r := range nsRatioPairs {
		a, c := res.probes[r[0]], res.probes[r[1]]
		name := fmt.Sprintf("`%s` / `%s`", a.name, c.name)
		if a.skip != "" || c.skip != "" || len(a.samples) == 0 || len(c.samples) == 0 {
			fmt.Fprintf(&b, "| %s | not measured | | | |\n", name)
			continue
		}
		sa, sc := summarize(a.samples), summarize(c.samples)
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", name, ratio(sa.median, sc.median),
			ratio(sa.medianCPU, sc.medianCPU), ratio(sa.medianSys, sc.medianSys), ratio(sa.medianRSS, sc.medianRSS))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeNSCounts says what the namespaces held, as a sock_diag dump of each
// counted them: their smallest, largest and total TCP socket counts, and
// the one namespace's.
func writeNSCounts(b *strings.Builder, res *nsRun) {
	lo, hi, sum, sum6 := -1, 0, 0, 0
	for _, c := range res.many {
		n := total(c.TCP)
		if lo < 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
		sum += n
		sum6 += c.TCP6
	}
	fmt.Fprintf(b, "| fixture | namespaces | TCP sockets each | TCP sockets in all | of them IPv6 |\n|---|--:|--:|--:|--:|\n")
	fmt.Fprintf(b, "| many namespaces | %d | %s | %d | %d |\n", len(res.many), countRange(lo, hi), sum, sum6)
	fmt.Fprintf(b, "| one namespace | 1 | %d | %d | %d |\n\n", total(res.one.TCP), total(res.one.TCP), res.one.TCP6)
	if len(res.many) > 0 {
		fmt.Fprintf(b, "The first namespace, by state: %s.\n", res.many[0].summary())
	}
	fmt.Fprintf(b, "The one namespace, by state: %s.\n", res.one.summary())
}

// countRange is "n" when lo and hi agree, else "lo-hi".
func countRange(lo, hi int) string {
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}
