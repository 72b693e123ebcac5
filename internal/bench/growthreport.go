//go:build linux

package main

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/conntab/conntab/model"
)

// growthRow is one row of the growth table: a figure per size.
type growthRow struct {
	name string
	// vals holds a figure per column, NaN where it was not measured.
	vals   []float64
	format func(float64) string
	// ratio says whether the last figure over the first means anything.
	ratio bool
}

func fmtCount(v float64) string { return thousands(int64(v)) }
func fmtMs(v float64) string    { return fmt.Sprintf("%.0f ms", v) }
func fmtSecs(v float64) string  { return fmt.Sprintf("%.1f s", v) }
func fmtMiB(v float64) string   { return fmt.Sprintf("%.1f MiB", v/1024) }
func fmtGiB(v float64) string   { return fmt.Sprintf("%.1f GiB", v/1024/1024) }

// writeGrowth is the growth table: a column per size, and the last
// size's figure over the first's.
func writeGrowth(b *strings.Builder, cfg config, cols []*growthColumn) {
	b.WriteString("\n#### Growth\n\n")
	fmt.Fprintf(b, "A fresh namespace per column, of ESTABLISHED and TIME_WAIT sockets in the default fixture's mix (90 : 40), "+
		"%d UDP sockets, and %s; `-growth-rounds %d` timed runs of each command (medians), one command at a time, "+
		"the order rotating, a TIME_WAIT batch remade before a run that would end more than -window after it was begun; "+
		"the dashboard's samples measured as docs/benchmarks.md says.\n\n",
		cfg.udp, otherNote(cfg), cfg.growthRounds)
	rows := growthRows(cols)
	b.WriteString("| |")
	for _, c := range cols {
		fmt.Fprintf(b, " %s sockets |", thousands(int64(c.size)))
	}
	last, first := cols[len(cols)-1], cols[0]
	if len(cols) > 1 {
		fmt.Fprintf(b, " %s / %s |", thousands(int64(last.size)), thousands(int64(first.size)))
	}
	b.WriteString("\n|---|" + strings.Repeat("--:|", len(cols)))
	if len(cols) > 1 {
		b.WriteString("--:|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		fmt.Fprintf(b, "| %s |", r.name)
		for _, v := range r.vals {
			if math.IsNaN(v) {
				b.WriteString(" – |")
				continue
			}
			fmt.Fprintf(b, " %s |", r.format(v))
		}
		if len(cols) > 1 {
			b.WriteString(" " + growthRatio(r) + " |")
		}
		b.WriteString("\n")
	}
	if len(cols) > 1 {
		fmt.Fprintf(b, "\nThe last column is the %s-socket figure over the %s-socket one; the sockets counted grew %s times: "+
			"a figure that grew as much grows linearly.\n", thousands(int64(last.size)), thousands(int64(first.size)),
			growthRatio(rows[0]))
	}
	for _, c := range cols {
		for _, p := range c.probes {
			if p.skip != "" {
				fmt.Fprintf(b, "\n`%s` at %s sockets not measured: %s\n", p.name, thousands(int64(c.size)), p.skip)
			}
		}
		if c.dash.skip != "" {
			fmt.Fprintf(b, "\nDashboard sample at %s sockets not measured: %s\n", thousands(int64(c.size)), c.dash.skip)
		}
	}
}

// growthRatio is the last figure over the first, or "–".
func growthRatio(r growthRow) string {
	a, c := r.vals[len(r.vals)-1], r.vals[0]
	if !r.ratio || math.IsNaN(a) || math.IsNaN(c) || c == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", a/c)
}

func otherNote(cfg config) string {
	if cfg.other == 0 {
		return "no second namespace"
	}
	return fmt.Sprintf("the second namespace's %s ESTABLISHED sockets beside it", thousands(int64(cfg.other)))
}

// growthRows are the table's rows: the fixture, each command's wall, CPU
// and peak RSS, and the dashboard sample's.
func growthRows(cols []*growthColumn) []growthRow {
	row := func(name string, format func(float64) string, ratio bool, val func(*growthColumn) float64) growthRow {
		r := growthRow{name: name, format: format, ratio: ratio}
		for _, c := range cols {
			r.vals = append(r.vals, val(c))
		}
		return r
	}
	tcp := func(c *growthColumn) map[model.State]int { return c.counts.TCP }
	rows := []growthRow{
		row("TCP sockets counted, first batch", fmtCount, true, func(c *growthColumn) float64 { return float64(total(tcp(c))) }),
		row("of them ESTABLISHED", fmtCount, true, func(c *growthColumn) float64 { return float64(tcp(c)[model.StateEstablished]) }),
		row("of them TIME_WAIT", fmtCount, true, func(c *growthColumn) float64 { return float64(tcp(c)[model.StateTimeWait]) }),
		row("IPv6 share of TCP", func(v float64) string { return fmt.Sprintf("%.1f%%", v) }, false, func(c *growthColumn) float64 {
			return 100 * float64(c.counts.TCP6) / math.Max(1, float64(total(tcp(c))))
		}),
		row("holders", fmtCount, false, func(c *growthColumn) float64 { return float64(c.shape.holders) }),
		row("ESTABLISHED and UDP made in", fmtSecs, true, func(c *growthColumn) float64 { return c.built.Seconds() }),
		row("a TIME_WAIT batch made in", fmtSecs, true, func(c *growthColumn) float64 { return c.twTook.Seconds() }),
		row("TIME_WAIT batches the commands were timed against", fmtCount, false, func(c *growthColumn) float64 { return float64(timedBatches(c.epochs)) }),
		row("TIME_WAIT left after a batch's last run, fewest", fmtCount, true, func(c *growthColumn) float64 {
			return float64(fewestTimeWait(c.epochs))
		}),
		row("a batch's age after its last run, oldest", fmtSecs, false, func(c *growthColumn) float64 { return oldestAge(c.epochs).Seconds() }),
		row("host memory in use (MemTotal - MemAvailable)", fmtGiB, false, func(c *growthColumn) float64 { return nanIfZero(float64(c.memUsed)) }),
		row("host descriptors", fmtCount, false, func(c *growthColumn) float64 { return float64(c.hostFDs.fds) }),
	}
	for i := range nGrowthProbes {
		st := func(c *growthColumn) (stats, bool) {
			p := c.probes[i]
			return summarize(p.samples), p.skip == "" && len(p.samples) > 0
		}
		stat := func(f func(stats) float64) func(*growthColumn) float64 {
			return func(c *growthColumn) float64 {
				s, ok := st(c)
				if !ok {
					return math.NaN()
				}
				return f(s)
			}
		}
		name := "`" + cols[0].probes[i].name + "`"
		rows = append(rows,
			row(name+": wall", fmtMs, true, stat(func(s stats) float64 { return msOf(s.median) })),
			row(name+": CPU user+sys", fmtMs, true, stat(func(s stats) float64 { return msOf(s.medianCPU) })),
			row(name+": peak RSS", fmtMiB, true, stat(func(s stats) float64 { return float64(s.medianRSS) })))
	}
	dash := func(f func(dashCost) float64) func(*growthColumn) float64 {
		return func(c *growthColumn) float64 {
			if c.dash.skip != "" {
				return math.NaN()
			}
			return f(c.dash)
		}
	}
	return append(rows,
		row("`conntab top -i 1s`, one sample: CPU user+sys", fmtMs, true, dash(func(d dashCost) float64 { return msOf(d.cpu) })),
		row("`conntab top -i 1s`, one sample: wall, the 1-s pause excluded", fmtMs, true,
			dash(func(d dashCost) float64 { return msOf(d.period - time.Second) })),
		row("`conntab top -i 1s`: RSS as a counted sample was drawn (largest)", fmtMiB, true, dash(func(d dashCost) float64 { return float64(d.rss) })),
		row("`conntab top -i 1s`: peak RSS of its life (VmHWM)", fmtMiB, true, dash(func(d dashCost) float64 { return float64(d.hwm) })),
		row("`conntab top -i 1s`: samples counted", fmtCount, false, dash(func(d dashCost) float64 { return float64(d.samples) })),
		row("`conntab top -i 1s`: dashboards started for them", fmtCount, false, dash(func(d dashCost) float64 { return float64(d.runs) })))
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func nanIfZero(v float64) float64 {
	if v == 0 {
		return math.NaN()
	}
	return v
}

// fewestTimeWait is the fewest TIME_WAIT sockets counted after a batch's
// last run: below the batch, some expired while it was timed. A batch no
// run was timed against (the untimed runs outlasted it) is left out.
func fewestTimeWait(epochs []*epoch) int {
	n := -1
	for _, e := range epochs {
		if tw := e.after.TCP[model.StateTimeWait]; e.rounds > 0 && (n < 0 || tw < n) {
			n = tw
		}
	}
	return max(n, 0)
}

// oldestAge is the oldest a batch was when counted after its last run,
// of the batches runs were timed against.
func oldestAge(epochs []*epoch) time.Duration {
	var d time.Duration
	for _, e := range epochs {
		if e.rounds > 0 {
			d = max(d, e.afterAge)
		}
	}
	return d
}

// timedBatches counts the batches runs were timed against.
func timedBatches(epochs []*epoch) int {
	n := 0
	for _, e := range epochs {
		if e.rounds > 0 {
			n++
		}
	}
	return n
}
