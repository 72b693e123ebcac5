//go:build linux

package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/conntab/conntab/model"
)

// writeReport prints the figures as Markdown.
func writeReport(w io.Writer, cfg config, m machineInfo, res *runResult) error {
	b := &strings.Builder{}
	writeHeading(b, cfg, m, res)
	if cfg.rounds > 0 {
		b.WriteString("Fixture, counted inside the namespace by state (sock_diag) and from /proc/net/sockstat:\n\n")
		countHeader(b, "TIME_WAIT batch | rounds | when")
		for i, e := range res.epochs {
			countRow(b, fmt.Sprintf("%d | %s | before (%.0f s old)", i+1, roundsName(e), e.beforeAge.Seconds()), e.before)
			countRow(b, fmt.Sprintf("%d | %s | after (%.0f s old)", i+1, roundsName(e), e.afterAge.Seconds()), e.after)
		}
	}
	if cfg.other > 0 {
		o := cfg.otherShape()
		fmt.Fprintf(b, "\nThe second namespace, alive all along (%d connections over %s of its own, no TIME_WAIT), "+
			"counted the same way before the first round and after the last:\n\n", o.conns, plural(o.holders, "holder"))
		countHeader(b, "when")
		countRow(b, "before", res.otherBefore)
		countRow(b, "after", res.otherAfter)
	}

	if cfg.rounds > 0 {
		writeTimes(b, res.probes)
		writeRatios(b, res.probes)
		writeSkipped(b, res.probes)
	}
	if len(res.growth) > 0 {
		writeGrowth(b, cfg, res.growth)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeHeading is the run's title and the list under it: the machine, the
// load, the command line, the shared hash and the host's sockets.
func writeHeading(b *strings.Builder, cfg config, m machineInfo, res *runResult) {
	fmt.Fprintf(b, "### %s, %d CPUs, kernel %s\n\n", m.date, m.cpus, m.kernel)
	rev := m.revision
	if rev == "" {
		rev = "?"
	}
	fmt.Fprintf(b, "- CPU: %s; memory: %s; %s; conntab at %s\n", m.cpu, m.mem, m.goVersion, rev)
	fmt.Fprintf(b, "- %s; %s\n", m.ss, m.netstat)
	fmt.Fprintf(b, "- load average (1 min): %s before, %s after\n", m.loadStart, m.loadEnd)
	if cfg.oneCPU {
		fmt.Fprintf(b, "- one-core run: every timed command ran on CPU %d alone (sched_setaffinity, as taskset -c %d)\n",
			cfg.cpu, cfg.cpu)
	}
	fmt.Fprintf(b, "- `%s`\n", commandLine(cfg))
	fmt.Fprintf(b, "- TCP established hash: %s\n", res.ehash)
	fmt.Fprintf(b, "- the host's TCP socket objects, every namespace's (/proc/slabinfo): %s before the fixtures were made; %s at the end\n\n",
		res.hostBefore, res.hostAfter)
}

// commandLine is the harness's command line for cfg.
func commandLine(cfg config) string {
	s := fmt.Sprintf("go run ./internal/bench -rounds %d -conns %d -timewait %d -udp %d -holders %d -other %d -window %v",
		cfg.rounds, cfg.conns, cfg.timeWait, cfg.udp, cfg.holders, cfg.other, cfg.window)
	if cfg.oneCPU {
		s += fmt.Sprintf(" -taskset %d", cfg.cpu)
	} else {
		s += fmt.Sprintf(" -pin %d", cfg.pin)
	}
	if len(cfg.growth) > 0 {
		sizes := make([]string, len(cfg.growth))
		for i, n := range cfg.growth {
			sizes[i] = fmt.Sprint(n)
		}
		s += fmt.Sprintf(" -growth %s -growth-rounds %d", strings.Join(sizes, ","), cfg.growthRounds)
	}
	return s
}

func roundsName(e *epoch) string {
	switch e.rounds {
	case 0:
		// The untimed first runs outlasted the batch.
		return "none"
	case 1:
		return fmt.Sprint(e.first)
	}
	return fmt.Sprintf("%d-%d", e.first, e.first+e.rounds-1)
}

// writeSkipped lists the probes not measured, with the reason.
func writeSkipped(b *strings.Builder, probes []*probe) {
	var skipped []string
	for _, p := range probes {
		if p.skip != "" {
			skipped = append(skipped, fmt.Sprintf("- `%s`: %s", p.name, p.skip))
		}
	}
	if len(skipped) > 0 {
		b.WriteString("\nNot measured:\n\n" + strings.Join(skipped, "\n") + "\n")
	}
}

// writeTimes is the table of each command's figures.
func writeTimes(b *strings.Builder, probes []*probe) {
	b.WriteString("\nWall time of one run over the timed rounds; CPU time (user+sys) and kernel time (sys) of the timed runs, from wait4's rusage; ")
	b.WriteString("peak RSS of the timed runs (VmHWM as each exits: see docs/benchmarks.md); ")
	b.WriteString("peak RSS of the untimed first run under GNU time; lines printed by that run:\n\n")
	b.WriteString("| command | runs | median | min | max | CPU user+sys (median) | sys (median) | peak RSS (median) | peak RSS (GNU time) | output lines |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, p := range probes {
		if p.skip != "" {
			fmt.Fprintf(b, "| `%s` | – | not measured | | | | | | | |\n", p.name)
			continue
		}
		s := summarize(p.samples)
		out := fmt.Sprint(p.lines)
		if p.lines == 1 {
			out = p.lastLine
		}
		timeRSS := "–"
		if p.timeRSS > 0 {
			timeRSS = mib(p.timeRSS)
		}
		fmt.Fprintf(b, "| `%s` | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			p.name, len(p.samples), ms(s.median), ms(s.min), ms(s.max), ms(s.medianCPU), ms(s.medianSys),
			mib(s.medianRSS), timeRSS, out)
	}
}

// writeRatios is the table of ratios: wall time of medians and per round,
// CPU (user+sys), kernel time (sys) and peak RSS of medians.
func writeRatios(b *strings.Builder, probes []*probe) {
	b.WriteString("\n| ratio | wall, of medians | wall per round: median (min-max) | CPU user+sys, of medians | sys, of medians | peak RSS, of medians |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|\n")
	for _, r := range ratioPairs {
		a, c := probes[r[0]], probes[r[1]]
		name := fmt.Sprintf("`%s` / `%s`", a.name, c.name)
		if a.skip != "" || c.skip != "" || len(a.samples) == 0 || len(a.samples) != len(c.samples) {
			fmt.Fprintf(b, "| %s | not measured | | | | |\n", name)
			continue
		}
		per := make([]float64, len(a.samples))
		for i := range per {
			per[i] = float64(a.samples[i].wall) / float64(c.samples[i].wall)
		}
		slices.Sort(per)
		mid := per[len(per)/2]
		if len(per)%2 == 0 {
			mid = (per[len(per)/2-1] + per[len(per)/2]) / 2
		}
		sa, sc := summarize(a.samples), summarize(c.samples)
		fmt.Fprintf(b, "| %s | %s | %.2f (%.2f-%.2f) | %s | %s | %s |\n", name, ratio(sa.median, sc.median),
			mid, per[0], per[len(per)-1], ratio(sa.medianCPU, sc.medianCPU), ratio(sa.medianSys, sc.medianSys),
			ratio(sa.medianRSS, sc.medianRSS))
	}
}

// ratio is a/c with two decimals, or "–" when c is zero (a command too
// quick for rusage's resolution).
func ratio[T time.Duration | int64](a, c T) string {
	if c == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(c))
}

// countHeader starts a table of counts whose rows countRow writes; lead
// names the columns before the counts, separated by " | ".
func countHeader(b *strings.Builder, lead string) {
	fmt.Fprintf(b, "| %s | TCP ESTABLISHED | TCP TIME_WAIT | TCP LISTEN | TCP CLOSE_WAIT | TCP FIN_WAIT2 | other TCP | TCP over IPv6 | UDP connected | UDP unconnected | sockstat TCP inuse / tw |\n", lead)
	b.WriteString("|" + strings.Repeat("---|", strings.Count(lead, "|")+1) + strings.Repeat("--:|", 10) + "\n")
}

// countRow writes c after the cells of lead (separated by " | ").
func countRow(b *strings.Builder, lead string, c counts) {
	tcp := c.TCP
	other := total(tcp) - tcp[model.StateEstablished] - tcp[model.StateTimeWait] - tcp[model.StateListen] -
		tcp[model.StateCloseWait] - tcp[model.StateFinWait2]
	fmt.Fprintf(b, "| %s | %d | %d | %d | %d | %d | %d | %d (%s) | %d | %d | %d / %d |\n", lead,
		tcp[model.StateEstablished], tcp[model.StateTimeWait], tcp[model.StateListen],
		tcp[model.StateCloseWait], tcp[model.StateFinWait2], other, c.TCP6, percent(c.TCP6, total(tcp)),
		c.UDP[model.StateEstablished], c.UDP[model.StateUnconn], c.Sockstat["TCP"]["inuse"], c.Sockstat["TCP"]["tw"])
}

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// plural is "1 holder", "2 holders".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
