package analyze

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/conntab/conntab/model"
)

// Severity ranks a flag. The zero value, SeverityNone, is no flag at all;
// the others compare in order: SeverityCritical > SeverityWarn > SeverityNotice.
type Severity uint8

// Severities.
const (
	SeverityNone Severity = iota
	SeverityNotice
	SeverityWarn
	SeverityCritical
)

var severityNames = [...]string{"none", "notice", "warn", "crit"}

// severitySymbols tell the severities apart without colour.
var severitySymbols = [...]string{"", "•", "▲", "✖"}

// String is the severity as one lower-case word: none, notice, warn, crit.
func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return "severity(" + strconv.FormatUint(uint64(s), 10) + ")"
}

// Symbol is a one-character mark for the severity that reads without
// colour: • notice, ▲ warn, ✖ crit, and "" for none.
func (s Severity) Symbol() string {
	if int(s) < len(severitySymbols) {
		return severitySymbols[s]
	}
	return "?"
}

// FlagKind names the rule that raised a flag. docs/flags.md describes each.
type FlagKind uint8

// Flag kinds.
const (
	// FlagTimeWait: TIME_WAIT sockets hold a large share of an ephemeral
	// port pool's usable ports.
	FlagTimeWait FlagKind = iota + 1
	// FlagTimeWaitRising: TIME_WAIT sockets in a pool arrive fast enough
	// that TimeWaitLen of them would fill a large share of the pool.
	FlagTimeWaitRising
	// FlagPorts: almost every usable port of a pool is taken, whatever
	// holds it; connect() to that destination is about to fail.
	FlagPorts
	// FlagCloseWait: many sockets to one remote endpoint in CLOSE_WAIT.
	FlagCloseWait
	// FlagCloseWaitRising: CLOSE_WAIT sockets to one remote endpoint
	// have not fallen for several samples, and have grown.
	FlagCloseWaitRising
)

var flagKindNames = [...]string{
	FlagTimeWait:        "time-wait",
	FlagTimeWaitRising:  "time-wait-rising",
	FlagPorts:           "ports",
	FlagCloseWait:       "close-wait",
	FlagCloseWaitRising: "close-wait-rising",
}

var flagKindShort = [...]string{
	FlagTimeWait:        "TW",
	FlagTimeWaitRising:  "TW↑",
	FlagPorts:           "PORTS",
	FlagCloseWait:       "CW",
	FlagCloseWaitRising: "CW↑",
}

// String is the kind as a lower-case word, fit for a metric label:
// time-wait, time-wait-rising, ports, close-wait, close-wait-rising.
func (k FlagKind) String() string {
	if k >= FlagTimeWait && int(k) < len(flagKindNames) {
		return flagKindNames[k]
	}
	return "flag(" + strconv.FormatUint(uint64(k), 10) + ")"
}

// Short is the kind as a column word: TW, TW↑, PORTS, CW, CW↑.
func (k FlagKind) Short() string {
	if k >= FlagTimeWait && int(k) < len(flagKindShort) {
		return flagKindShort[k]
	}
	return k.String()
}

// TimeWaitLen is how long a TCP socket stays in TIME_WAIT on Linux
// (TCP_TIMEWAIT_LEN, fixed at build time of the kernel, not a sysctl).
const TimeWaitLen = 60 * time.Second

// Flag is one thing worth an operator's attention about a remote endpoint,
// with the figures that raised it. Label and Reason spell it.
type Flag struct {
	Kind     FlagKind
	Severity Severity
	// Proto and Remote are the remote endpoint the flag is about.
	Proto  model.Proto
	Remote netip.AddrPort
	// Local is the local address of the ephemeral port pool a pool flag
	// (FlagTimeWait, FlagTimeWaitRising, FlagPorts) is about; the zero
	// Addr for the others.
	Local netip.Addr
	// Count is what the rule counted: TIME_WAIT sockets in the pool
	// (FlagTimeWait, FlagTimeWaitRising), ports in use in the pool
	// (FlagPorts), CLOSE_WAIT sockets to the endpoint (FlagCloseWait,
	// FlagCloseWaitRising).
	Count int
	// Usable is the pool's usable ports (U) for a pool flag, else 0.
	Usable int
	// From is, for FlagCloseWaitRising, the CLOSE_WAIT count when the
	// stretch without a fall began; for FlagTimeWaitRising, the previous
	// sample's TIME_WAIT count.
	From int
	// Samples is, for FlagCloseWaitRising, how many samples the CLOSE_WAIT
	// count has not fallen for.
	Samples int
	// Rate is, for FlagTimeWaitRising, TIME_WAIT arrivals per second.
	Rate float64
}

// Percent is Count as a whole percentage of Usable, rounded down so that
// a pool at 79.9% never reads as the 80% a threshold names; 0 without
// Usable.
func (f Flag) Percent() int {
	if f.Usable <= 0 {
		return 0
	}
	return f.Count * 100 / f.Usable
}

// projected is the percentage of Usable that TimeWaitLen of arrivals at
// Rate would hold, rounded down.
func (f Flag) projected() int {
	if f.Usable <= 0 {
		return 0
	}
	return int(f.Rate * TimeWaitLen.Seconds() * 100 / float64(f.Usable))
}

// Label is the flag as a short cell that reads without colour:
// "▲ TW 82%", "• TW↑ 420/s", "✖ PORTS 96%", "▲ CW 14", "• CW↑ 0→3".
func (f Flag) Label() string { return string(f.AppendLabel(nil)) }

// AppendLabel appends Label to dst.
func (f Flag) AppendLabel(dst []byte) []byte {
	if sym := f.Severity.Symbol(); sym != "" {
		dst = append(dst, sym...)
		dst = append(dst, ' ')
	}
	dst = append(dst, f.Kind.Short()...)
	dst = append(dst, ' ')
	switch f.Kind {
	case FlagTimeWait, FlagPorts:
		dst = strconv.AppendInt(dst, int64(f.Percent()), 10)
		dst = append(dst, '%')
	case FlagTimeWaitRising:
		dst = appendRate(dst, f.Rate)
	case FlagCloseWait:
		dst = strconv.AppendInt(dst, int64(f.Count), 10)
	case FlagCloseWaitRising:
		dst = strconv.AppendInt(dst, int64(f.From), 10)
		dst = append(dst, "→"...)
		dst = strconv.AppendInt(dst, int64(f.Count), 10)
	}
	return dst
}

// Reason is the flag as a sentence for the detail view and the log:
// "TIME_WAIT holds 82% of 28232 usable ports to 10.0.0.9:5432 (23200
// sockets from 10.0.0.2)".
func (f Flag) Reason() string { return string(f.AppendReason(nil)) }

// AppendReason appends Reason to dst.
func (f Flag) AppendReason(dst []byte) []byte {
	switch f.Kind {
	case FlagTimeWait:
		dst = append(dst, "TIME_WAIT holds "...)
		dst = appendPoolShare(dst, &f)
		dst = append(dst, " ("...)
		dst = appendSockets(dst, f.Count)
		dst = appendFrom(dst, f.Local)
		return append(dst, ')')
	case FlagTimeWaitRising:
		dst = append(dst, "TIME_WAIT to "...)
		dst = f.Remote.AppendTo(dst)
		dst = appendFrom(dst, f.Local)
		dst = append(dst, " rose from "...)
		dst = strconv.AppendInt(dst, int64(f.From), 10)
		dst = append(dst, " to "...)
		dst = strconv.AppendInt(dst, int64(f.Count), 10)
		dst = append(dst, " ("...)
		dst = appendRate(dst, f.Rate)
		dst = append(dst, "); at that rate for "...)
		dst = strconv.AppendInt(dst, int64(TimeWaitLen/time.Second), 10)
		dst = append(dst, " s it would hold "...)
		dst = strconv.AppendInt(dst, int64(f.projected()), 10)
		dst = append(dst, "% of "...)
		dst = strconv.AppendInt(dst, int64(f.Usable), 10)
		return append(dst, " usable ports"...)
	case FlagPorts:
		dst = appendPoolShare(dst, &f)
		dst = append(dst, " are taken ("...)
		dst = appendSockets(dst, f.Count)
		dst = appendFrom(dst, f.Local)
		return append(dst, "); connect() fails with EADDRNOTAVAIL when none is left"...)
	case FlagCloseWait:
		dst = appendSockets(dst, f.Count)
		dst = append(dst, " to "...)
		dst = appendEndpoint(dst, f.Proto, f.Remote)
		return append(dst, " in CLOSE_WAIT: the peer closed, the local application has not"...)
	case FlagCloseWaitRising:
		dst = append(dst, "CLOSE_WAIT to "...)
		dst = appendEndpoint(dst, f.Proto, f.Remote)
		dst = append(dst, " rose from "...)
		dst = strconv.AppendInt(dst, int64(f.From), 10)
		dst = append(dst, " to "...)
		dst = strconv.AppendInt(dst, int64(f.Count), 10)
		dst = append(dst, " and has not fallen for "...)
		dst = strconv.AppendInt(dst, int64(f.Samples), 10)
		return append(dst, " samples"...)
	}
	return append(dst, f.Kind.String()...)
}

// appendPoolShare appends "82% of 28232 usable ports to 10.0.0.9:5432".
func appendPoolShare(dst []byte, f *Flag) []byte {
	dst = strconv.AppendInt(dst, int64(f.Percent()), 10)
	dst = append(dst, "% of "...)
	dst = strconv.AppendInt(dst, int64(f.Usable), 10)
	dst = append(dst, " usable ports to "...)
	return f.Remote.AppendTo(dst)
}

// appendSockets appends "1 socket", "2 sockets".
func appendSockets(dst []byte, n int) []byte {
	dst = strconv.AppendInt(dst, int64(n), 10)
	if n == 1 {
		return append(dst, " socket"...)
	}
	return append(dst, " sockets"...)
}

func appendFrom(dst []byte, local netip.Addr) []byte {
	if !local.IsValid() {
		return dst
	}
	dst = append(dst, " from "...)
	return local.AppendTo(dst)
}

// appendEndpoint appends a remote endpoint, naming the protocol when it is
// not TCP.
func appendEndpoint(dst []byte, p model.Proto, ap netip.AddrPort) []byte {
	dst = ap.AppendTo(dst)
	if p != model.ProtoTCP {
		dst = append(dst, '/')
		dst = append(dst, p.String()...)
	}
	return dst
}

// appendRate appends a rate per second: whole above 10/s, one decimal below.
func appendRate(dst []byte, r float64) []byte {
	return append(model.AppendRate(dst, r), "/s"...)
}

// Thresholds are the limits that raise flags. A zero field turns its rule
// off; DefaultThresholds has conntab's choices, explained in
// docs/flags.md. The type is comparable, so a caller can tell an unset
// value (Thresholds{}) from a set one.
type Thresholds struct {
	// TimeWaitNotice and TimeWaitWarn are shares of a pool's usable
	// ports, in percent, that its TIME_WAIT sockets must reach
	// (FlagTimeWait).
	TimeWaitNotice, TimeWaitWarn float64
	// TimeWaitRising is the share of a pool's usable ports, in percent,
	// that TimeWaitLen of TIME_WAIT arrivals at the rate seen since the
	// previous sample must reach (FlagTimeWaitRising, a notice).
	TimeWaitRising float64
	// MinInterval is the shortest time between samples over which a rate
	// is taken; closer samples give no FlagTimeWaitRising.
	MinInterval time.Duration
	// PortsNotice, PortsWarn and PortsCritical are the shares of a pool's
	// usable ports, in percent, that the ports connect() cannot take
	// (PortPool.Blocking) must reach for FlagPorts at notice (connect()
	// slows: past half the pool it scans the whole first parity), warn
	// and critical.
	PortsNotice, PortsWarn, PortsCritical float64
	// CloseWait is the number of CLOSE_WAIT sockets to one remote
	// endpoint that raises FlagCloseWait (a warning).
	CloseWait int
	// CloseWaitSamples is the number of samples over which an endpoint's
	// CLOSE_WAIT count must not fall, and must grow, to raise
	// FlagCloseWaitRising (a notice).
	CloseWaitSamples int
}

// DefaultThresholds returns conntab's thresholds: TIME_WAIT at 50% (notice)
// and 80% (warn) of a pool, rising at a rate that would hold 50% within
// TimeWaitLen, over at least 500 ms; a pool 50% taken is a notice, 80% a
// warning and 95% critical; 10
// CLOSE_WAIT sockets to one endpoint warn, and CLOSE_WAIT that has not
// fallen, and grew, over 5 samples is a notice.
func DefaultThresholds() Thresholds {
	return Thresholds{
		TimeWaitNotice:   50,
		TimeWaitWarn:     80,
		TimeWaitRising:   50,
		MinInterval:      500 * time.Millisecond,
		PortsNotice:      50,
		PortsWarn:        80,
		PortsCritical:    95,
		CloseWait:        10,
		CloseWaitSamples: 5,
	}
}

// reaches reports whether count is at least pct percent of of. A
// non-positive pct is a rule turned off. Integer percentages of integer
// counts compare exactly in float64.
func reaches(count, of int, pct float64) bool {
	return pct > 0 && of > 0 && float64(count)*100 >= pct*float64(of)
}

// poolFlags appends the flags a pool raises: FlagTimeWait, FlagTimeWaitRising
// and FlagPorts. p.TimeWaitBefore and p.TimeWaitRate must already hold the
// previous count and the rate over dt. TIME_WAIT sockets connect() may
// take over (tcp_tw_reuse) raise no TIME_WAIT flag and take no port.
// FlagPorts at notice or warn is left out when the TIME_WAIT share flag
// already says as much: TIME_WAIT's share of U never exceeds the pool's.
func poolFlags(dst []Flag, p *PortPool, dt time.Duration, th *Thresholds) []Flag {
	base := Flag{Proto: model.ProtoTCP, Remote: p.Remote, Local: p.Local, Usable: p.Usable}
	tw := p.States.Of(model.StateTimeWait)
	twSeverity := SeverityNone
	if p.TimeWaitReusable == 0 {
		switch {
		case reaches(tw, p.Usable, th.TimeWaitWarn):
			twSeverity = SeverityWarn
		case reaches(tw, p.Usable, th.TimeWaitNotice):
			twSeverity = SeverityNotice
		}
	}
	if twSeverity != SeverityNone {
		f := base
		f.Kind, f.Severity, f.Count = FlagTimeWait, twSeverity, tw
		dst = append(dst, f)
	}
	// rate × TimeWaitLen ≥ pct% of U, as grew × TimeWaitLen × 100 ≥ pct
	// × U × dt, so that whole figures compare exactly.
	if grew := tw - p.TimeWaitBefore; p.TimeWaitRate > 0 && th.TimeWaitRising > 0 && p.TimeWaitReusable == 0 &&
		float64(grew)*TimeWaitLen.Seconds()*100 >= th.TimeWaitRising*float64(p.Usable)*dt.Seconds() {
		f := base
		f.Kind, f.Severity, f.Count, f.From, f.Rate = FlagTimeWaitRising, SeverityNotice, tw, p.TimeWaitBefore, p.TimeWaitRate
		dst = append(dst, f)
	}
	if sev := th.PortsSeverity(p.Blocking(), p.Usable); sev == SeverityCritical || sev > twSeverity {
		f := base
		f.Kind, f.Severity, f.Count = FlagPorts, sev, p.Blocking()
		dst = append(dst, f)
	}
	return dst
}

// PortsSeverity is the severity of a pool with blocking of its usable
// ports taken: PortsNotice, PortsWarn and PortsCritical percent.
func (th *Thresholds) PortsSeverity(blocking, usable int) Severity {
	switch {
	case reaches(blocking, usable, th.PortsCritical):
		return SeverityCritical
	case reaches(blocking, usable, th.PortsWarn):
		return SeverityWarn
	case reaches(blocking, usable, th.PortsNotice):
		return SeverityNotice
	}
	return SeverityNone
}

// closeWaitFlags appends the flags an endpoint's CLOSE_WAIT sockets raise.
func closeWaitFlags(dst []Flag, d *Destination, th *Thresholds) []Flag {
	cw := d.States.Of(model.StateCloseWait)
	if cw == 0 {
		return dst
	}
	base := Flag{Proto: d.Proto, Remote: d.Remote, Count: cw}
	if th.CloseWait > 0 && cw >= th.CloseWait {
		f := base
		f.Kind, f.Severity = FlagCloseWait, SeverityWarn
		dst = append(dst, f)
	}
	if th.CloseWaitSamples > 0 && d.CloseWaitSamples >= th.CloseWaitSamples && cw > d.CloseWaitFrom {
		f := base
		f.Kind, f.Severity, f.From, f.Samples = FlagCloseWaitRising, SeverityNotice, d.CloseWaitFrom, d.CloseWaitSamples
		dst = append(dst, f)
	}
	return dst
}
