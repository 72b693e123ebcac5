//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// machineInfo describes where the figures were taken.
type machineInfo struct {
	date, kernel, cpu, mem, goVersion, ss, netstat string
	cpus                                           int
	// revision is the conntab that was built (git describe).
	revision string
	// loadStart and loadEnd are /proc/loadavg's 1-minute figure before the
	// fixture was made and after the last round: other work on the machine
	// shows in the figures.
	loadStart, loadEnd string
}

// describe fills in the machine's facts, at the end of the run.
func (m *machineInfo) describe() {
	m.date, m.cpus, m.goVersion = time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), runtime.Version()
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.kernel = unix.ByteSliceToString(u.Release[:])
	}
	m.cpu = procField("/proc/cpuinfo", "model name")
	m.mem = procField("/proc/meminfo", "MemTotal")
	m.ss = firstLine("ss", "-V")
	m.netstat = firstLine("netstat", "-V")
	m.loadEnd = loadAvg()
}

// loadAvg is the 1-minute load average.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// procField is the first value of key in a "key: value" file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return "?"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func firstLine(name string, args ...string) string {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil && len(out) == 0 {
		return "?"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

// writeReport prints the figures as Markdown.
func writeReport(w io.Writer, cfg config, m machineInfo, probes []*probe, epochs []*epoch) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "### %s, %d CPUs, kernel %s\n\n", m.date, m.cpus, m.kernel)
	rev := m.revision
	if rev == "" {
		rev = "?"
	}
	fmt.Fprintf(b, "- CPU: %s; memory: %s; %s; conntab at %s\n", m.cpu, m.mem, m.goVersion, rev)
	fmt.Fprintf(b, "- %s; %s\n", m.ss, m.netstat)
	fmt.Fprintf(b, "- load average (1 min): %s before, %s after\n", m.loadStart, m.loadEnd)
	pin := ""
	if cfg.oneCPU {
		pin = fmt.Sprintf(" -taskset %d", cfg.cpu)
		fmt.Fprintf(b, "- one-core run: every timed command ran on CPU %d alone (sched_setaffinity, as taskset -c %d)\n",
			cfg.cpu, cfg.cpu)
	}
	if !cfg.oneCPU {
		pin = fmt.Sprintf(" -pin %d", cfg.pin)
	}
	fmt.Fprintf(b, "- `go run ./internal/bench -rounds %d -conns %d -timewait %d -udp %d -holders %d -window %v%s`\n\n",
		cfg.rounds, cfg.conns, cfg.timeWait, cfg.udp, cfg.holders, cfg.window, pin)

	b.WriteString("Fixture, counted inside the namespace by state (sock_diag) and from /proc/net/sockstat:\n\n")
	b.WriteString("| TIME_WAIT batch | rounds | when | TCP ESTABLISHED | TCP TIME_WAIT | TCP LISTEN | TCP CLOSE_WAIT | TCP FIN_WAIT2 | other TCP | TCP over IPv6 | UDP connected | UDP unconnected | sockstat TCP inuse / tw |\n")
	b.WriteString("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for i, e := range epochs {
		rounds := fmt.Sprintf("%d-%d", e.first, e.first+e.rounds-1)
		if e.rounds == 1 {
			rounds = fmt.Sprint(e.first)
		}
		countRow(b, fmt.Sprint(i+1), rounds, fmt.Sprintf("before (%.0f s old)", e.beforeAge.Seconds()), e.before)
		countRow(b, fmt.Sprint(i+1), rounds, fmt.Sprintf("after (%.0f s old)", e.afterAge.Seconds()), e.after)
	}

	writeTimes(b, probes)
	writeRatios(b, probes)

	var skipped []string
	for _, p := range probes {
		if p.skip != "" {
			skipped = append(skipped, fmt.Sprintf("- `%s`: %s", p.name, p.skip))
		}
	}
	if len(skipped) > 0 {
		b.WriteString("\nNot measured:\n\n" + strings.Join(skipped, "\n") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
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

func countRow(b *strings.Builder, batch, rounds, when string, c counts) {
	tcp := c.TCP
	other := total(tcp) - tcp[model.StateEstablished] - tcp[model.StateTimeWait] - tcp[model.StateListen] -
		tcp[model.StateCloseWait] - tcp[model.StateFinWait2]
	fmt.Fprintf(b, "| %s | %s | %s | %d | %d | %d | %d | %d | %d | %d (%s) | %d | %d | %d / %d |\n", batch, rounds, when,
		tcp[model.StateEstablished], tcp[model.StateTimeWait], tcp[model.StateListen],
		tcp[model.StateCloseWait], tcp[model.StateFinWait2], other, c.TCP6, percent(c.TCP6, total(tcp)),
		c.UDP[model.StateEstablished], c.UDP[model.StateUnconn], c.Sockstat["TCP"]["inuse"], c.Sockstat["TCP"]["tw"])
}

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
