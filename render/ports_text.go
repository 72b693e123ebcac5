package render

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// PortsTextOptions say how PortsText writes a report.
type PortsTextOptions struct {
	// NetNS is the namespace as the user named it (-N), "" for conntab's
	// own.
	NetNS  string
	Source model.Source // where the sockets were read from; 0 leaves it unsaid
	// Samples is the time between the two samples of -i, 0 for one: it
	// adds the EXHAUSTED IN column. The counters' growth is taken over
	// PortsReport.Interval, 0 where they were not read in both.
	Samples time.Duration
	Top     int // the pools shown; the rest are counted
	Width   int // prose wraps here (MaxWidth in a pipe)
	// Thresholds are the ones the report was made with: a clean report
	// says the notice level it was judged by.
	Thresholds analyze.Thresholds
}

// PortsText writes r as the text of `conntab ports`: a header, the
// settings and counters, the tables (POOLS, BIND-BEFORE-CONNECT, HELD
// PORTS), then the findings with their advice. Errors are w's, seen at
// its Flush.
func PortsText(w *bufio.Writer, r *analyze.PortsReport, o PortsTextOptions) {
	p := textPrinter{w: w, width: o.Width}
	p.para(portsHeader(r, o), "", "  ")
	p.para(ephemeralLine(r), "", "  ")
	p.para(settingsLine(r), "", "  ")
	p.para(countersLine(r), "", "  ")

	writePoolsTable(&p, r, o)
	writeBindPools(&p, r)
	writeHeldPorts(&p, r)

	w.WriteByte('\n')
	if len(r.Findings) == 0 {
		p.para(fmt.Sprintf("No pool is past %v%% of its usable ports, and nothing else was found.", o.Thresholds.PortsNotice), "", "")
		return
	}
	writeFindings(&p, r.Findings)
}

// portsHeader is reportHeader's, and "2 samples 5s apart" for two.
func portsHeader(r *analyze.PortsReport, o PortsTextOptions) string {
	head := reportHeader("ports", r.NetNS, o.NetNS, r.Taken, o.Source)
	if o.Samples > 0 {
		head += ", " + glue("2", "samples", string(model.AppendDuration(nil, o.Samples)), "apart")
	}
	return head
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

// settingsLine is the sysctls that bear on the pools, with what the
// coded ones mean.
func settingsLine(r *analyze.PortsReport) string {
	s := &r.Settings
	if !s.Read {
		return "settings: not read"
	}
	parts := []string{coded("tcp_tw_reuse", s.TCPTwReuse, model.TwReuseMeaning(s.TCPTwReuse, false))}
	if s.TCPTwReuse != 0 && s.TCPTwReuseDelay >= 0 {
		parts = append(parts, fmt.Sprintf("tcp_tw_reuse_delay %dms", s.TCPTwReuseDelay))
	}
	parts = append(parts,
		coded("tcp_timestamps", s.TCPTimestamps, timestampsMeaning(s.TCPTimestamps)),
		fmt.Sprintf("tcp_fin_timeout %ds", int64(s.TCPFinTimeout/time.Second)),
		fmt.Sprintf("tcp_max_tw_buckets %d (%d in TIME_WAIT)", s.TCPMaxTwBuckets, r.TimeWait),
		fmt.Sprintf("somaxconn %d", s.Somaxconn),
		fmt.Sprintf("ip_unprivileged_port_start %d", s.UnprivilegedPortStart),
		conntrackPart(s.ConntrackCount, s.ConntrackMax),
	)
	return "settings: " + strings.Join(glued(parts), ", ")
}

// coded is "name v (meaning)", or "name v" for a value with no meaning.
func coded(name string, v int, meaning string) string {
	if meaning == "" {
		return fmt.Sprintf("%s %d", name, v)
	}
	return fmt.Sprintf("%s %d (%s)", name, v, meaning)
}

// timestampsMeaning says what a net.ipv4.tcp_timestamps value means, ""
// for one the kernel does not define.
func timestampsMeaning(v int) string {
	meanings := [...]string{"off", "on", "on, no random offset"}
	if v < 0 || v >= len(meanings) {
		return ""
	}
	return meanings[v]
}

// conntrackPart is "conntrack count/max", "?" for either not read, or
// "no conntrack" when neither was (the module is not loaded).
func conntrackPart(count, limit int) string {
	if count < 0 && limit < 0 {
		return "no conntrack"
	}
	num := func(v int) string {
		if v < 0 {
			return "?"
		}
		return strconv.Itoa(v)
	}
	return "conntrack " + num(count) + "/" + num(limit)
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
		s := f.Name + " " + strconv.FormatUint(f.Get(c), 10)
		if samples > 0 {
			s += " (" + counterGrowth(f.Get(b), f.Get(c), f.Gauge, samples) + ")"
		}
		if i < model.TcpExtFields {
			ext = append(ext, s)
		} else {
			tcp = append(tcp, s)
		}
	}
	return "counters: TcpExt " + strings.Join(glued(ext), ", ") + "; Tcp " + strings.Join(glued(tcp), ", ")
}

// counterGrowth is how a counter moved from then to now over samples:
// "+2.4/s", "+0/s", "reset"; a gauge's change is not a rate, "was 20".
func counterGrowth(then, now uint64, gauge bool, samples time.Duration) string {
	switch {
	case gauge:
		return "was " + strconv.FormatUint(then, 10)
	case now == then:
		return "+0/s"
	case now > then:
		return "+" + string(model.AppendRate(nil, float64(now-then)/samples.Seconds())) + "/s"
	}
	return "reset"
}
