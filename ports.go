package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/term"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/render/escape"
	"github.com/conntab/conntab/sample"
)

// portsOptions are the flags of `conntab ports`.
type portsOptions struct {
	mode collect.Mode
	// netns is what -N named, as given; netnsPath makes it a file.
	netns    string
	json     bool
	check    bool
	interval time.Duration
	top      int
	help     bool
}

// minPortsInterval is the shortest -i: closer samples give no rates
// (model.Thresholds.MinInterval).
const minPortsInterval = 500 * time.Millisecond

func (o *portsOptions) flags() []option {
	on := func(b *bool) func() { return func() { *b = true } }
	return []option{
		{short: 'N', long: "netns", arg: "NAME|PATH", help: "read the network namespace NAME (/run/netns/NAME) or at PATH; needs root",
			value: func(v string) error { o.netns = v; return nil }},
		{long: "source", arg: "auto|netlink|proc", help: "where sockets are read from (default auto: netlink, else /proc; /proc cannot see accept queues' backlogs)",
			value: func(v string) (err error) { o.mode, err = collect.ParseMode(v); return err }},
		{short: 'i', long: "interval", arg: "DURATION", help: "take a second sample DURATION after the first: rates, counters' growth and time to exhaustion from the two (at least 500ms)",
			value: func(v string) error {
				d, err := time.ParseDuration(v)
				if err != nil || d < minPortsInterval {
					return fmt.Errorf("%q: want a duration of at least %v, such as 5s", v, minPortsInterval)
				}
				o.interval = d
				return nil
			}},
		{long: "top", arg: "N", help: "show the N most severe, then fullest, pools (default 20; --json lists every pool)",
			value: func(v string) error {
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 {
					return fmt.Errorf("%q: want a whole number of pools, 1 or more", v)
				}
				o.top = n
				return nil
			}},
		{long: "json", set: on(&o.json), help: "one JSON document instead of the text (docs/json.md)"},
		{long: "check", set: on(&o.check), help: "exit 3 when the worst finding is a warning, 4 when it is critical (0 otherwise)"},
		{short: 'h', long: "help", set: on(&o.help), help: "this help"},
	}
}

const portsUsage = `Usage: conntab ports [flags]

Why connect() fails with EADDRNOTAVAIL, or soon will. connect() picks a
local port per (local address, remote address, remote port): each such pool
has U ports, the ephemeral range less the reserved ones and those a bind()
holds. The report shows every pool with what holds its ports, how fast
connections turn over and how fast they can; the sysctls and counters that
bear on them; sockets bound before connect(), ports held inside the range,
full accept queues; and findings, each with what to change, what that fixes
and what it does not (docs/exhaustion.md). Only TCP is read.

With --check the exit status says the worst finding: 0 none or notice, 3
warn, 4 critical; 1 when the kernel could not be read in full, 2 for a bad
command line.

Flags:
`

// runPorts is `conntab ports`.
func runPorts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := portsOptions{top: 20}
	rest, err := parseArgs(args, o.flags())
	if err != nil {
		return err
	}
	if o.help {
		return printHelp(stdout, portsUsage, o.flags())
	}
	if len(rest) > 0 {
		return usagef("conntab ports takes no arguments, only flags: %q", strings.Join(rest, " "))
	}
	cfg := collect.Config{
		Mode: o.mode, Settings: true,
		// The pools are TCP's alone; UDP would only cost time.
		Protos: []model.Proto{model.ProtoTCP},
		Notify: func(msg string) { fmt.Fprintln(stderr, msg) },
	}
	if cfg.NetNS, err = netnsFile(o.netns); err != nil {
		return err
	}
	th := analyze.DefaultThresholds()
	r, snap, dt, collectErr := collectPorts(ctx, collect.New(cfg), o.interval, th)
	if r == nil {
		return collectErr
	}

	w := bufio.NewWriterSize(stdout, 64<<10)
	if o.json {
		err = writePortsJSON(w, r)
	} else {
		writePortsText(w, r, portsText{
			netns: o.netns, source: snap.Source, samples: dt,
			top: o.top, width: textWidth(stdout), th: th,
		})
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	// A check on a partial reading cannot vouch for the host: the error
	// wins over the verdict.
	if collectErr != nil || !o.check {
		return collectErr
	}
	return portsVerdict(r)
}

// collectPorts reads one sample, or two interval apart, and reports on
// the last; dt is the time between the two samples' starts, 0 for one. A
// reading that failed part way still gives a report, with its error; r
// is nil only when there is nothing to report on.
func collectPorts(ctx context.Context, c *collect.Collector, interval time.Duration, th analyze.Thresholds) (r *analyze.PortsReport, snap *model.Snapshot, dt time.Duration, err error) {
	cfg := sample.Config{Collect: c.Collect, Thresholds: th, Ports: interval <= 0}
	s, err := sample.Take(ctx, &cfg, nil)
	if s == nil {
		return nil, nil, 0, err
	}
	if interval > 0 {
		t := time.NewTimer(interval)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return nil, nil, 0, fmt.Errorf("interrupted before the second sample: %w", ctx.Err())
		case <-t.C:
		}
		cfg.Ports = true
		next, err2 := sample.Take(ctx, &cfg, s)
		if next == nil {
			return nil, nil, 0, errors.Join(err, err2)
		}
		s, err = next, errors.Join(err, err2)
	}
	n := s.Net()
	return n.Ports, n.Snap, n.DT, err
}

// checkFailed is --check's verdict on a report whose worst finding is a
// warning (exit status 3) or critical (4). main says it in one line,
// "conntab: ports: warn".
type checkFailed struct {
	command  string // ports, listeners
	severity analyze.Severity
}

func (e *checkFailed) Error() string { return e.command + ": " + e.severity.String() }

// status is the exit status the verdict gives.
func (e *checkFailed) status() int {
	if e.severity >= analyze.SeverityCritical {
		return 4
	}
	return 3
}

// verdict is --check's verdict on a report of command whose worst
// finding is sev: nil for a notice or less.
func verdict(command string, sev analyze.Severity) error {
	if sev >= analyze.SeverityWarn {
		return &checkFailed{command: command, severity: sev}
	}
	return nil
}

// portsVerdict is --check's verdict on r.
func portsVerdict(r *analyze.PortsReport) error { return verdict("ports", r.Severity()) }

// writeDocument writes v as one indented JSON document, arrows and
// ampersands as they are (docs/json.md).
func writeDocument(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writePortsJSON writes r as one JSON document.
func writePortsJSON(w io.Writer, r *analyze.PortsReport) error {
	return writeDocument(w, render.NewPortsJSON(r))
}

// portsText says how to write a report as text.
type portsText struct {
	netns  string // what -N named, "" for conntab's own namespace
	source model.Source
	// samples is the time between the two samples of -i, 0 for one: it
	// adds the EXHAUSTED IN column. The counters' growth is taken over
	// PortsReport.Interval, 0 where they were not read in both.
	samples time.Duration
	top     int
	width   int // prose wraps here
	th      analyze.Thresholds
}

// maxTextWidth is where prose wraps in a pipe, or on a wider terminal.
const maxTextWidth = 100

// textWidth is the width prose wraps at on w: the terminal's, at most
// maxTextWidth.
func textWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return maxTextWidth
	}
	cols, _, err := term.GetSize(f.Fd())
	if err != nil || cols <= 0 {
		return maxTextWidth
	}
	return max(min(cols, maxTextWidth), 40)
}

// writePortsText writes r as the text report: a header, the settings and
// counters, the tables, then the findings.
func writePortsText(w *bufio.Writer, r *analyze.PortsReport, o portsText) {
	p := textPrinter{w: w, width: o.width}

	head := "conntab ports: netns " + strconv.FormatUint(uint64(r.NetNS), 10)
	if o.netns != "" {
		head += " (" + o.netns + ")"
	}
	head += ", " + r.Taken.Format("2006-01-02 15:04:05 MST")
	if o.source != 0 {
		head += ", read from " + o.source.String()
	}
	if o.samples > 0 {
		head += ", " + glue("2", "samples", string(model.AppendDuration(nil, o.samples)), "apart")
	}
	p.para(head, "", "  ")
	p.para(ephemeralLine(r), "", "  ")
	p.para(settingsLine(r), "", "  ")
	p.para(countersLine(r), "", "  ")

	writePoolsTable(&p, r, o)
	writeBindPools(&p, r)
	writeHeldPorts(&p, r)

	w.WriteByte('\n')
	if len(r.Findings) == 0 {
		p.para(fmt.Sprintf("No pool is past %v%% of its usable ports, and nothing else was found.", o.th.PortsNotice), "", "")
		return
	}
	writeFindings(&p, r.Findings)
}

// writeFindings writes the FINDINGS section: each finding's severity and
// subject, its text, and its advice.
func writeFindings(p *textPrinter, fs []analyze.Finding) {
	p.w.WriteString("FINDINGS\n")
	for i := range fs {
		f := &fs[i]
		if i > 0 {
			p.w.WriteByte('\n')
		}
		p.para(f.Subject, findingMark(f.Severity)+"  ", "  ")
		p.para(f.Text, "  ", "  ")
		for _, a := range f.Advice {
			p.para(adviceText(a), "  → ", "    ")
		}
	}
}

// ephemeralLine is "ephemeral range 40000-40199 (200 ports): 0 reserved,
// 1 held by a bind(), U = 199 usable per destination".
func ephemeralLine(r *analyze.PortsReport) string {
	eph := r.Ephemeral
	if eph == (model.PortRange{}) || eph.Size() == 0 {
		return "ephemeral range unknown: no pools"
	}
	size := eph.Size()
	s := fmt.Sprintf("ephemeral range %s (%d"+nbsp+"ports): %d reserved, %d held by a bind()", eph, size, r.Reserved, r.Held)
	if bound := size - r.Reserved - r.Held - r.Usable; bound > 0 {
		s += fmt.Sprintf(", %d bound before connect()", bound)
	}
	return s + fmt.Sprintf(", U"+nbsp+"="+nbsp+"%d usable per destination", r.Usable)
}

var (
	twReuseMeaning    = map[int]string{0: model.TwReuseMeaning(0, false), 1: model.TwReuseMeaning(1, false), 2: model.TwReuseMeaning(2, false)}
	timestampsMeaning = map[int]string{0: "off", 1: "on", 2: "on, no random offset"}
)

// settingsLine is the sysctls that bear on the pools, with what the
// coded ones mean.
func settingsLine(r *analyze.PortsReport) string {
	s := &r.Settings
	if !s.Read {
		return "settings: not read"
	}
	coded := func(name string, v int, meaning map[int]string) string {
		if m, ok := meaning[v]; ok {
			return fmt.Sprintf("%s %d (%s)", name, v, m)
		}
		return fmt.Sprintf("%s %d", name, v)
	}
	parts := []string{coded("tcp_tw_reuse", s.TCPTwReuse, twReuseMeaning)}
	if s.TCPTwReuse != 0 && s.TCPTwReuseDelay >= 0 {
		parts = append(parts, fmt.Sprintf("tcp_tw_reuse_delay %dms", s.TCPTwReuseDelay))
	}
	parts = append(parts,
		coded("tcp_timestamps", s.TCPTimestamps, timestampsMeaning),
		fmt.Sprintf("tcp_fin_timeout %ds", int64(s.TCPFinTimeout/time.Second)),
		fmt.Sprintf("tcp_max_tw_buckets %d (%d in TIME_WAIT)", s.TCPMaxTwBuckets, r.TimeWait),
		fmt.Sprintf("somaxconn %d", s.Somaxconn),
		fmt.Sprintf("ip_unprivileged_port_start %d", s.UnprivilegedPortStart),
	)
	switch count, limit := s.ConntrackCount, s.ConntrackMax; {
	case count < 0 && limit < 0:
		parts = append(parts, "no conntrack")
	default:
		num := func(v int) string {
			if v < 0 {
				return "?"
			}
			return strconv.Itoa(v)
		}
		parts = append(parts, "conntrack "+num(count)+"/"+num(limit))
	}
	return "settings: " + strings.Join(glued(parts), ", ")
}

// countersLine is the TCP counters, with their growth per second when
// there are two samples.
func countersLine(r *analyze.PortsReport) string {
	c, b, samples := &r.Counters, &r.Before, r.Interval
	if !c.Read {
		return "counters: not read"
	}
	var ext, tcp []string
	for i, f := range model.CounterFields {
		now := f.Get(c)
		s := f.Name + " " + strconv.FormatUint(now, 10)
		switch then := f.Get(b); {
		case samples <= 0:
		case f.Gauge: // its change, not a rate
			s += " (was " + strconv.FormatUint(then, 10) + ")"
		case now == then:
			s += " (+0/s)"
		case now > then:
			s += " (+" + formatRate(float64(now-then)/samples.Seconds()) + "/s)"
		default:
			s += " (reset)"
		}
		if i < model.TcpExtFields {
			ext = append(ext, s)
		} else {
			tcp = append(tcp, s)
		}
	}
	return "counters: TcpExt " + strings.Join(glued(ext), ", ") + "; Tcp " + strings.Join(glued(tcp), ", ")
}

// writePoolsTable writes the first o.top pools, and says how many more
// there are and whether any of them is flagged.
func writePoolsTable(p *textPrinter, r *analyze.PortsReport, o portsText) {
	p.w.WriteByte('\n')
	if len(r.Pools) == 0 {
		p.para("POOLS: none (no TCP connection from a port of the ephemeral range)", "", "  ")
		return
	}
	p.w.WriteString("POOLS\n")
	header := []string{"LOCAL → REMOTE", "EST", "TW", "OTHER", "IN USE", "USABLE", "FREE", "UTIL %", "RATE /s", "SUSTAINS /s"}
	right := []bool{false, true, true, true, true, true, true, true, true, true}
	if o.samples > 0 {
		header = append(header, "EXHAUSTED IN")
		right = append(right, true)
	}
	header = append(header, "SEVERITY")
	right = append(right, false)

	shown := r.Pools[:min(len(r.Pools), o.top)]
	rows := make([][]string, 0, len(shown))
	for i := range shown {
		pool := &shown[i]
		est, tw := pool.States.Of(model.StateEstablished), pool.States.Of(model.StateTimeWait)
		sustains := "∞ tw_reuse"
		if !math.IsInf(pool.MaxRate, 1) {
			sustains = formatRate(pool.MaxRate)
		}
		row := []string{
			safe(pool.Subject()),
			strconv.Itoa(est), strconv.Itoa(tw), strconv.Itoa(pool.InUse - est - tw),
			strconv.Itoa(pool.InUse), strconv.Itoa(pool.Usable), strconv.Itoa(pool.Free()),
			strconv.FormatFloat(pool.Utilisation()*100, 'f', 1, 64),
			formatRate(pool.Rate), sustains,
		}
		if o.samples > 0 {
			left := "-"
			if pool.Exhaustion > 0 {
				left = string(model.AppendDuration(nil, pool.Exhaustion))
			}
			row = append(row, left)
		}
		rows = append(rows, append(row, severityCell(pool.Severity)))
	}
	writeAligned(p.w, header, right, rows)

	if more := r.Pools[len(shown):]; len(more) > 0 {
		flagged := 0
		for i := range more {
			if more[i].Severity != analyze.SeverityNone {
				flagged++
			}
		}
		s := fmt.Sprintf("… and %d more %s", len(more), plural(len(more), "pool", "pools"))
		if flagged == 0 {
			s += ", none of them flagged"
		} else {
			s += fmt.Sprintf(", %d of them flagged (--top %d shows them)", flagged, len(shown)+flagged)
		}
		p.para(s+"; --json lists every pool.", "", "  ")
	}
}

// writeBindPools writes the sockets bound before connect(), one row per
// local address.
func writeBindPools(p *textPrinter, r *analyze.PortsReport) {
	if len(r.BindPools) == 0 {
		return
	}
	p.w.WriteString("\nBIND-BEFORE-CONNECT\n")
	rows := make([][]string, 0, len(r.BindPools))
	for i := range r.BindPools {
		bp := &r.BindPools[i]
		rows = append(rows, []string{
			safe(bp.Local.String()), strconv.Itoa(bp.Sockets), stateList(&bp.States),
			strconv.Itoa(bp.InUse), strconv.Itoa(bp.Usable),
			strconv.FormatFloat(bp.Utilisation()*100, 'f', 1, 64),
			severityCell(bp.Severity),
		})
	}
	writeAligned(p.w, []string{"LOCAL", "SOCKETS", "STATES", "IN USE", "USABLE", "UTIL %", "SEVERITY"},
		[]bool{false, true, false, true, true, true, false}, rows)
}

// writeHeldPorts lists the ports of the range a bind() holds, each with
// the sockets on it.
func writeHeldPorts(p *textPrinter, r *analyze.PortsReport) {
	if len(r.HeldPorts) == 0 {
		return
	}
	p.w.WriteString("\nHELD PORTS\n")
	for i := range r.HeldPorts {
		h := &r.HeldPorts[i]
		socks := make([]string, len(h.Sockets))
		for k := range h.Sockets {
			s := &h.Sockets[k]
			socks[k] = glue(s.Local.String(), s.State.String())
		}
		p.para(strings.Join(socks, ", "), fmt.Sprintf("%-5d  ", h.Port), "       ")
	}
}

// stateList is "1 ESTABLISHED, 2 TIME_WAIT": the states with a count, in
// kernel order.
func stateList(c *model.StateCounts) string {
	var parts []string
	for _, st := range model.AllStates {
		if n := c.Of(st); n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+st.String())
		}
	}
	return strings.Join(parts, ", ")
}

// severityCell is "▲ warn", or "-" for none.
func severityCell(s analyze.Severity) string {
	if s == analyze.SeverityNone {
		return "-"
	}
	return s.Symbol() + " " + s.String()
}

// findingMark is a finding's severity: "▲ warn", or "- info" for a
// finding that is only information.
func findingMark(s analyze.Severity) string {
	if s == analyze.SeverityNone {
		return "- info"
	}
	return s.Symbol() + " " + s.String()
}

// adviceText is "Do. Fixes: …. Does not fix: …."
func adviceText(a analyze.Advice) string {
	return sentence(a.Do) + " Fixes: " + sentence(a.Fixes) + " Does not fix: " + sentence(a.DoesNotFix)
}

// sentence ends s with a full stop, unless it has one.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// formatRate is a rate per second (model.AppendRate).
func formatRate(r float64) string { return string(model.AppendRate(nil, r)) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// safe escapes s for the terminal (model.AppendSafe: control characters
// and bad UTF-8 only, so arrows and the severity marks stay). The
// report's text is conntab's own, built from addresses and numbers; this
// keeps it so if kernel-supplied text ever reaches it.
func safe(s string) string {
	if escape.IsSafe(s) {
		return s
	}
	return string(escape.AppendSafe(nil, s))
}

// textPrinter writes wrapped paragraphs.
type textPrinter struct {
	w     *bufio.Writer
	width int
}

// nbsp glues words that must stay on one line (a counter and its rate):
// para breaks lines only at plain spaces, and writes nbsp as one.
const nbsp = "\u00a0"

// glue joins words with nbsp.
func glue(words ...string) string { return strings.Join(words, nbsp) }

// glued is items with their spaces made nbsp, each kept on one line.
func glued(items []string) []string {
	for i := range items {
		items[i] = strings.ReplaceAll(items[i], " ", nbsp)
	}
	return items
}

// para writes text escaped and wrapped at p.width, the first line led by
// first, the others by rest. A word longer than a line gets one of its
// own.
func (p *textPrinter) para(text, first, rest string) {
	lead := first
	line := 0 // display width of the line so far, lead included
	started := false
	for _, word := range strings.Split(safe(text), " ") {
		if word == "" {
			continue
		}
		n := utf8.RuneCountInString(word)
		if started && line+1+n > p.width {
			p.w.WriteByte('\n')
			started, lead = false, rest
		}
		if !started {
			p.w.WriteString(lead)
			line = utf8.RuneCountInString(lead)
			started = true
		} else {
			p.w.WriteByte(' ')
			line++
		}
		p.w.WriteString(strings.ReplaceAll(word, nbsp, " "))
		line += n
	}
	p.w.WriteByte('\n')
}

// writeAligned writes a table: a header and rows, columns two spaces
// apart and aligned by display width, right-aligned where right says;
// the last column is not padded.
func writeAligned(w *bufio.Writer, header []string, right []bool, rows [][]string) {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	last := len(header) - 1
	line := func(cells []string) {
		for i, cell := range cells {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			switch {
			case right[i]:
				w.WriteString(pad)
				w.WriteString(cell)
			case i == last:
				w.WriteString(cell)
			default:
				w.WriteString(cell)
				w.WriteString(pad)
			}
			if i < last {
				w.WriteString("  ")
			}
		}
		w.WriteByte('\n')
	}
	line(header)
	for _, row := range rows {
		line(row)
	}
}
