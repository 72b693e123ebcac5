package analyze

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/conntab/conntab/model"
)

// PortsReport answers "connect() fails with EADDRNOTAVAIL: why, for which
// destination, how soon, and what do I change?" for one snapshot: the
// ephemeral port pools with their budgets, the sockets and settings that
// shrink them, the namespace's counters, and findings with advice.
// docs/exhaustion.md explains every figure. Ports builds it.
type PortsReport struct {
	Taken time.Time
	NetNS uint32
	// Ephemeral is the ephemeral range; Reserved, Held and Usable are
	// DestIndex's: the reserved ports in it, the ports in it held by
	// listening and bound-only sockets, and U.
	Ephemeral              model.PortRange
	Reserved, Held, Usable int
	// HeldPorts are the ports of the range that a bind() holds, each with
	// the sockets that hold it, in port order.
	HeldPorts []HeldPort
	Settings  model.NetSettings
	Counters  model.NetCounters
	// Interval is the time since the sample Before's counters come from,
	// 0 for a report from one sample.
	Interval time.Duration
	Before   model.NetCounters
	// TimeWait is the number of TCP sockets in TIME_WAIT in the namespace.
	TimeWait int
	// Pools are every ephemeral port pool, most severe first, then the
	// fullest.
	Pools []PoolReport
	// BindPools are DestIndex's.
	BindPools []BindPool
	// FullQueues are the listening sockets whose accept queue is past
	// their backlog (netlink only: /proc does not give the backlog).
	FullQueues []model.Socket
	// Findings are what the report found, most severe first, each with
	// its advice.
	Findings []Finding
}

// HeldPort is a port of the ephemeral range a bind() holds.
type HeldPort struct {
	Port uint16
	// Sockets are the listening or bound-only TCP sockets on it.
	Sockets []model.Socket
}

// PoolReport is one ephemeral port pool with its rates and severity.
type PoolReport struct {
	PortPool
	// Rate is the estimated rate of new connections per second:
	// TIME_WAIT / 60 s from one sample; from two, the growth of TIME_WAIT
	// plus the departures the previous count implies (TimeWaitBefore /
	// 60 s). RateFromSamples says which.
	Rate            float64
	RateFromSamples bool
	// MaxRate is the rate of new connections the pool can sustain when
	// the client closes first: each leaves a TIME_WAIT socket for 60 s,
	// so at most (U - ports held open) / 60 s. +Inf when its TIME_WAIT
	// sockets are reusable (tcp_tw_reuse).
	MaxRate float64
	// Exhaustion is, when the pool grew since the previous sample, the
	// time left until no port is free at that growth; 0 otherwise.
	Exhaustion time.Duration
	Severity   Severity
}

// FindingKind names what a Finding is about.
type FindingKind uint8

// Finding kinds.
const (
	FindPool          FindingKind = iota + 1 // an ephemeral port pool filling up
	FindBindConnect                          // sockets bound before connect()
	FindHeldPort                             // a port of the range held by a bind()
	FindAcceptQueue                          // a listener's accept queue past its backlog
	FindListenDrops                          // ListenOverflows: handshakes dropped, queue full
	FindTimeWaitTable                        // TIME_WAIT near tcp_max_tw_buckets, or overflowing
	FindTwReuseNoTS                          // tcp_tw_reuse on with timestamps off
	FindFinTimeout                           // tcp_fin_timeout changed, thought to shorten TIME_WAIT
	FindConntrack                            // the conntrack table near its maximum

	// The listener audit's (it shares FindHeldPort and FindAcceptQueue).
	FindExposed           // a service usually kept local, listening on every interface
	FindUnexpectedProgram // a well-known port held by a program that is not its usual server
)

var findingKindNames = [...]string{
	FindPool:          "pool",
	FindBindConnect:   "bind-before-connect",
	FindHeldPort:      "port-in-range",
	FindAcceptQueue:   "accept-queue",
	FindListenDrops:   "listen-overflows",
	FindTimeWaitTable: "time-wait-table",
	FindTwReuseNoTS:   "tw-reuse-without-timestamps",
	FindFinTimeout:    "fin-timeout",
	FindConntrack:     "conntrack",

	FindExposed:           "exposed",
	FindUnexpectedProgram: "unexpected-program",
}

// String is the kind as a lower-case word: pool, bind-before-connect,
// port-in-range, accept-queue, listen-overflows, time-wait-table,
// tw-reuse-without-timestamps, fin-timeout, conntrack, exposed,
// unexpected-program.
func (k FindingKind) String() string {
	if k >= FindPool && int(k) < len(findingKindNames) {
		return findingKindNames[k]
	}
	return "finding(" + strconv.FormatUint(uint64(k), 10) + ")"
}

var findingKindShort = [...]string{
	FindPool:              "POOL",
	FindBindConnect:       "BIND",
	FindHeldPort:          "IN RANGE",
	FindAcceptQueue:       "QUEUE FULL",
	FindListenDrops:       "OVERFLOWS",
	FindTimeWaitTable:     "TW TABLE",
	FindTwReuseNoTS:       "TW REUSE",
	FindFinTimeout:        "FIN TIMEOUT",
	FindConntrack:         "CONNTRACK",
	FindExposed:           "EXPOSED",
	FindUnexpectedProgram: "PROGRAM",
}

// Short is the kind as a flag's word, upper case: EXPOSED, PROGRAM, IN
// RANGE, QUEUE FULL, POOL, and so on; front ends put the severity's
// symbol before it ("▲ EXPOSED").
func (k FindingKind) Short() string {
	if k >= FindPool && int(k) < len(findingKindShort) {
		return findingKindShort[k]
	}
	return k.String()
}

// Finding is one thing the report found. SeverityNone marks a finding
// that is only information (a setting that does not do what its name
// suggests).
type Finding struct {
	Kind     FindingKind
	Severity Severity
	// Subject is what it is about, in a few words: "127.0.0.1 →
	// 10.0.0.9:5432", "port 40100", "tcp_tw_reuse".
	Subject string
	// Text says what was found and why it matters, with the figures.
	Text   string
	Advice []Advice
}

// Advice is one thing to change, with what it fixes and what it does not.
type Advice struct {
	Do, Fixes, DoesNotFix string
}

// Severity is the worst severity among the findings.
func (r *PortsReport) Severity() Severity {
	var s Severity
	for i := range r.Findings {
		s = max(s, r.Findings[i].Severity)
	}
	return s
}

// Ports builds the report for snap from its index ix (Destinations over
// the same snapshot, given the previous sample's index and dt for rates
// from samples). before is the previous sample's counters, dt the time
// since it; a zero NetCounters and 0 make a report from one sample.
func Ports(snap *model.Snapshot, ix *DestIndex, before model.NetCounters, dt time.Duration, th Thresholds) *PortsReport {
	r := &PortsReport{
		Taken: snap.Taken, NetNS: snap.NetNS, Ephemeral: ix.Ephemeral,
		Reserved: ix.Reserved, Held: ix.Held, Usable: ix.Usable,
		Settings: snap.Host.Settings, Counters: snap.Host.Counters,
		BindPools: slices.Clone(ix.BindPools), // their Severity is set here
	}
	if before.Read && r.Counters.Read && dt > 0 {
		r.Before, r.Interval = before, dt
	}
	held := map[uint16]int{}
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		if s.Proto != model.ProtoTCP {
			continue
		}
		switch s.State {
		case model.StateTimeWait:
			r.TimeWait++
		case model.StateListen, model.StateBoundInactive:
			if s.State == model.StateListen && snap.Source == model.SourceNetlink && s.RecvQ > s.SendQ {
				r.FullQueues = append(r.FullQueues, *s)
			}
			lp := s.Local.Port()
			if ix.Ephemeral.Size() > 0 && ix.Ephemeral.Contains(lp) && !snap.Host.IsReserved(lp) {
				hi, ok := held[lp]
				if !ok {
					hi = len(r.HeldPorts)
					held[lp] = hi
					r.HeldPorts = append(r.HeldPorts, HeldPort{Port: lp})
				}
				r.HeldPorts[hi].Sockets = append(r.HeldPorts[hi].Sockets, *s)
			}
		}
	}
	slices.SortFunc(r.HeldPorts, func(a, b HeldPort) int { return cmp.Compare(a.Port, b.Port) })

	rated := dt > 0 && dt >= th.MinInterval
	r.Pools = make([]PoolReport, 0, len(ix.Pools))
	for i := range ix.Pools {
		if ix.Pools[i].InUse == 0 {
			continue // every socket in it was bound: BindPools has them
		}
		r.Pools = append(r.Pools, PoolReport{PortPool: ix.Pools[i]})
		p := &r.Pools[len(r.Pools)-1]
		tw := p.States.Of(model.StateTimeWait)
		p.Rate = float64(tw) / TimeWaitLen.Seconds()
		if rated {
			p.Rate = p.TimeWaitRate + float64(p.TimeWaitBefore)/TimeWaitLen.Seconds()
			p.RateFromSamples = true
			if p.Growth > 0 {
				p.Exhaustion = time.Duration(float64(p.Free()) / p.Growth * float64(time.Second))
			}
		}
		if p.TimeWaitReusable > 0 {
			p.MaxRate = math.Inf(1)
		} else {
			p.MaxRate = float64(max(p.Usable-(p.InUse-tw), 0)) / TimeWaitLen.Seconds()
		}
		p.Severity = th.PortsSeverity(p.Blocking(), p.Usable)
	}
	slices.SortStableFunc(r.Pools, func(a, b PoolReport) int {
		if a.Severity != b.Severity {
			return cmp.Compare(b.Severity, a.Severity)
		}
		return cmp.Compare(b.Blocking(), a.Blocking())
	})

	r.findPools(th)
	r.findBindPools(th)
	r.findHeldPorts()
	r.findQueues()
	r.findTimeWaitTable()
	r.findSettings()
	slices.SortStableFunc(r.Findings, func(a, b Finding) int { return cmp.Compare(b.Severity, a.Severity) })
	return r
}

// delta is how much counter c (a field of NetCounters) grew since Before,
// and whether there is a Before to compare with.
func (r *PortsReport) delta(c func(*model.NetCounters) uint64) (uint64, bool) {
	if r.Interval == 0 {
		return 0, false
	}
	now, then := c(&r.Counters), c(&r.Before)
	if now < then { // the namespace was made anew
		return 0, false
	}
	return now - then, true
}

// Advice that several findings give.
var (
	adviceReuse = Advice{
		Do:         "Reuse connections: HTTP keep-alive, a connection pool in the client or driver, HTTP/2 or HTTP/3, which carry many requests over one connection",
		Fixes:      "the churn itself: no new port and no TIME_WAIT socket per request",
		DoesNotFix: "ports held by connections that stay open",
	}
	adviceServerCloses = Advice{
		Do:         "Let the server close first where the protocol allows (HTTP/1.1 without Connection: close from the client)",
		Fixes:      "TIME_WAIT then stays on the server, whose side of every connection uses its one listening port",
		DoesNotFix: "connections that are still open",
	}
	adviceSources = Advice{
		Do:         "Spread connections over more source addresses (each local address has its own pool; bind() each socket to one with IP_BIND_ADDRESS_NO_PORT set), or over more destination addresses or ports",
		Fixes:      "multiplies the budget: every (local address, remote address, remote port) has U ports",
		DoesNotFix: "churn or a leak, which fill the bigger budget too",
	}
	adviceWiden = Advice{
		Do:         "Widen net.ipv4.ip_local_port_range (for example \"1024 65535\"), and list the services' ports inside it in net.ipv4.ip_local_reserved_ports",
		Fixes:      "U grows to the new range's size for every pool",
		DoesNotFix: "a rate above U / 60 s, which fills any range",
	}
	adviceFinTimeout = Advice{
		Do:         "Do not lower net.ipv4.tcp_fin_timeout for this",
		Fixes:      "nothing here: it bounds FIN_WAIT2 of orphaned sockets",
		DoesNotFix: "TIME_WAIT, which lasts 60 s whatever it says",
	}
)

// adviceTwReuse is the tcp_tw_reuse advice, which depends on the settings.
func (r *PortsReport) adviceTwReuse() Advice {
	a := Advice{
		Do:         "Set net.ipv4.tcp_tw_reuse=1 on this host (the client)",
		Fixes:      "connect() takes over a TIME_WAIT socket's 4-tuple once it is older than 1 s, for connections that used TCP timestamps",
		DoesNotFix: "ports held by open connections; TIME_WAIT on a server's side, which it does not touch",
	}
	if r.Settings.Read && r.Settings.TCPTimestamps == 0 {
		a.Do += ", and turn TCP timestamps back on (net.ipv4.tcp_timestamps=1): without them it does nothing"
	}
	return a
}

func (r *PortsReport) findPools(th Thresholds) {
	for i := range r.Pools {
		p := &r.Pools[i]
		if p.Severity == SeverityNone {
			continue
		}
		tw := p.States.Of(model.StateTimeWait)
		f := Finding{Kind: FindPool, Severity: p.Severity, Subject: p.Subject()}
		b := appendPercentOf(nil, p.Blocking(), p.Usable)
		b = append(b, " usable ports to "...)
		b = p.Remote.AppendTo(b)
		b = append(b, " from "...)
		b = p.Local.AppendTo(b)
		b = append(b, " are taken ("...)
		b = appendStateList(b, &p.States)
		b = append(b, "): "...)
		b = strconv.AppendInt(b, int64(p.Free()), 10)
		b = append(b, " more connect() calls can succeed"...)
		if p.TimeWaitReusable > 0 {
			b = append(b, ", counting the "...)
			b = strconv.AppendInt(b, int64(p.TimeWaitReusable), 10)
			b = append(b, " TIME_WAIT sockets tcp_tw_reuse lets it take over"...)
		}
		b = append(b, ". "...)
		if p.Exhaustion > 0 {
			b = append(b, "At the growth since the last sample, none is left in "...)
			b = model.AppendDuration(b, p.Exhaustion)
			b = append(b, ". "...)
		}
		if tw > 0 && !math.IsInf(p.MaxRate, 1) {
			b = append(b, "New connections arrive at about "...)
			b = appendRate(b, p.Rate)
			if p.RateFromSamples {
				b = append(b, " (from the samples)"...)
			} else {
				b = append(b, " (TIME_WAIT / 60 s)"...)
			}
			b = append(b, "; closing first, the client can sustain "...)
			b = appendRate(b, p.MaxRate)
			b = append(b, ". "...)
		}
		if reaches(p.Blocking(), p.Usable, th.PortsNotice) {
			b = append(b, "Past half the pool every connect() scans the whole first parity of the range before it finds a port, so it also slows down."...)
		}
		f.Text = string(b)
		switch {
		case tw > 0 && p.TimeWaitReusable == 0 && 2*tw >= p.InUse:
			f.Advice = []Advice{adviceReuse, adviceServerCloses, r.adviceTwReuse(), adviceSources, adviceWiden, adviceFinTimeout}
		default:
			f.Advice = []Advice{{
				Do:         "Find what holds the open connections (conntab list -p dst " + p.Remote.String() + ") and cap the client's connection pool, or fix a leak",
				Fixes:      "ports held open by a pool that is too large or by connections never closed",
				DoesNotFix: "a real need for that many concurrent connections: then spread them (below)",
			}, adviceSources, adviceWiden}
		}
		r.Findings = append(r.Findings, f)
	}
}

// Subject is "127.0.0.1 → 10.0.0.9:5432".
func (p *PoolReport) Subject() string {
	b := p.Local.AppendTo(nil)
	b = append(b, " → "...)
	return string(p.Remote.AppendTo(b))
}

func (r *PortsReport) findBindPools(th Thresholds) {
	for i := range r.BindPools {
		bp := &r.BindPools[i]
		sev := max(SeverityNotice, th.PortsSeverity(bp.InUse, bp.Usable))
		bp.Severity = sev
		b := appendSockets(nil, bp.Sockets)
		b = append(b, " from "...)
		b = bp.Local.AppendTo(b)
		if bp.Sockets == 1 {
			b = append(b, " took its port with bind() before connect() ("...)
		} else {
			b = append(b, " took their port with bind() before connect() ("...)
		}
		b = appendStateList(b, &bp.States)
		b = append(b, "; told apart by the port's parity, which bind() picks opposite to connect()). bind() does not know the destination, so these share one pool per local address, "...)
		b = appendPercentOf(b, bp.InUse, bp.Usable)
		b = append(b, " taken, instead of one pool per destination, and each holds its port from every connect() pool."...)
		r.Findings = append(r.Findings, Finding{
			Kind: FindBindConnect, Severity: sev, Subject: "bind-before-connect from " + bp.Local.String(), Text: string(b),
			Advice: []Advice{{
				Do:         "Set IP_BIND_ADDRESS_NO_PORT on the socket before bind() (Linux 4.2 and later)",
				Fixes:      "the port is then chosen at connect(), knowing the destination: one pool of U ports per destination again",
				DoesNotFix: "a source port fixed by hand",
			}, {
				Do:         "Do not bind() at all where the source address does not matter",
				Fixes:      "the same, and simpler",
				DoesNotFix: "a need for a chosen source address (use IP_BIND_ADDRESS_NO_PORT then)",
			}, {
				Do:         "SO_REUSEADDR on these sockets lets bind() share a port among sockets to different destinations",
				Fixes:      "some of the sharing, on every kernel",
				DoesNotFix: "bind() still picks the port blind, and no listener may use the port",
			}},
		})
	}
}

func (r *PortsReport) findHeldPorts() {
	for i := range r.HeldPorts {
		h := &r.HeldPorts[i]
		s := &h.Sockets[0]
		b := s.Local.AppendTo(nil)
		b = append(b, " ("...)
		b = append(b, s.State.String()...)
		if len(h.Sockets) > 1 {
			b = append(b, ", and "...)
			b = strconv.AppendInt(b, int64(len(h.Sockets)-1), 10)
			b = append(b, " more on the port"...)
		}
		b = append(b, ") holds port "...)
		b = strconv.AppendUint(b, uint64(h.Port), 10)
		b = append(b, ", inside the ephemeral range "...)
		b = append(b, r.Ephemeral.String()...)
		b = append(b, ": no connect() pool can use it, and when the service restarts, a connection may have taken the port first (bind() then fails with EADDRINUSE)."...)
		port := strconv.Itoa(int(h.Port))
		r.Findings = append(r.Findings, Finding{
			Kind: FindHeldPort, Severity: SeverityNotice, Subject: "port " + port + " in the range", Text: string(b),
			Advice: HeldPortAdvice(port),
		})
	}
}

// HeldPortAdvice is what to do about a listening or bound-only socket on
// port, inside the ephemeral range.
func HeldPortAdvice(port string) []Advice {
	return []Advice{{
		Do:         "Reserve it: add " + port + " to net.ipv4.ip_local_reserved_ports",
		Fixes:      "connect() and bind(0) never pick it, so the service can always bind it",
		DoesNotFix: "U, which stays one port smaller",
	}, {
		Do:         "Or move the service's port, or the range, so that they do not overlap",
		Fixes:      "both: U regains the port",
		DoesNotFix: "clients configured with the old port",
	}}
}

func (r *PortsReport) findQueues() {
	for i := range r.FullQueues {
		s := &r.FullQueues[i]
		b := []byte("the accept queue of ")
		b = s.Local.AppendTo(b)
		b = append(b, " holds "...)
		b = strconv.AppendUint(b, uint64(s.RecvQ), 10)
		b = append(b, " connections, past its backlog of "...)
		b = strconv.AppendUint(b, uint64(s.SendQ), 10)
		b = append(b, ": new handshakes are dropped until the application accepts."...)
		r.Findings = append(r.Findings, Finding{
			Kind: FindAcceptQueue, Severity: SeverityWarn, Subject: "accept queue " + s.Local.String(), Text: string(b),
			Advice: r.QueueAdvice(),
		})
	}
	overflows := func(c *model.NetCounters) uint64 { return c.ListenOverflows }
	if d, ok := r.delta(overflows); ok && d > 0 {
		b := []byte("ListenOverflows rose by ")
		b = strconv.AppendUint(b, d, 10)
		b = append(b, " in "...)
		b = model.AppendDuration(b, r.Interval)
		b = append(b, ": handshakes are being dropped because an accept queue is full."...)
		r.Findings = append(r.Findings, Finding{Kind: FindListenDrops, Severity: SeverityWarn, Subject: "ListenOverflows", Text: string(b), Advice: r.QueueAdvice()})
	} else if !ok && r.Counters.Read && r.Counters.ListenOverflows > 0 {
		b := []byte("ListenOverflows is ")
		b = strconv.AppendUint(b, r.Counters.ListenOverflows, 10)
		b = append(b, ": since the namespace was made, that many handshakes were dropped because an accept queue was full (run with an interval to see whether it still rises)."...)
		r.Findings = append(r.Findings, Finding{Kind: FindListenDrops, Severity: SeverityNotice, Subject: "ListenOverflows", Text: string(b), Advice: r.QueueAdvice()})
	}
}

func (r *PortsReport) QueueAdvice() []Advice {
	if !r.Settings.Read {
		return QueueAdvice(-1)
	}
	return QueueAdvice(r.Settings.Somaxconn)
}

// QueueAdvice is what to do about a full accept queue; somaxconn is
// net.core.somaxconn, -1 when it was not read.
func QueueAdvice(somaxconn int) []Advice {
	somax := "net.core.somaxconn"
	if somaxconn >= 0 {
		somax += " (now " + strconv.Itoa(somaxconn) + ")"
	}
	return []Advice{{
		Do:         "Make the application accept faster: more accepting threads or workers, less work before accept()",
		Fixes:      "the cause, when the server keeps up on average",
		DoesNotFix: "a server that cannot keep up at all",
	}, {
		Do:         "Raise the backlog: the listen() argument, and " + somax + ", which caps it",
		Fixes:      "drops in short bursts",
		DoesNotFix: "a server that stopped accepting: the queue only fills later",
	}}
}

func (r *PortsReport) findTimeWaitTable() {
	s := &r.Settings
	if s.Read && s.TCPMaxTwBuckets > 0 && reaches(r.TimeWait, s.TCPMaxTwBuckets, 80) {
		b := []byte("TIME_WAIT holds ")
		b = strconv.AppendInt(b, int64(r.TimeWait), 10)
		b = append(b, " sockets, "...)
		b = appendPercentOf(b, r.TimeWait, s.TCPMaxTwBuckets)
		b = append(b, " allowed by net.ipv4.tcp_max_tw_buckets: past it, closing connections skip TIME_WAIT (\"time wait bucket table overflow\")."...)
		r.Findings = append(r.Findings, Finding{Kind: FindTimeWaitTable, Severity: SeverityWarn, Subject: "tcp_max_tw_buckets", Text: string(b), Advice: twTableAdvice})
	}
	overflow := func(c *model.NetCounters) uint64 { return c.TCPTimeWaitOverflow }
	if d, ok := r.delta(overflow); ok && d > 0 {
		b := []byte("TCPTimeWaitOverflow rose by ")
		b = strconv.AppendUint(b, d, 10)
		b = append(b, " in "...)
		b = model.AppendDuration(b, r.Interval)
		b = append(b, ": connections are closing without TIME_WAIT because the table is full."...)
		r.Findings = append(r.Findings, Finding{Kind: FindTimeWaitTable, Severity: SeverityWarn, Subject: "TCPTimeWaitOverflow", Text: string(b), Advice: twTableAdvice})
	} else if !ok && r.Counters.Read && r.Counters.TCPTimeWaitOverflow > 0 {
		b := []byte("TCPTimeWaitOverflow is ")
		b = strconv.AppendUint(b, r.Counters.TCPTimeWaitOverflow, 10)
		b = append(b, ": since the namespace was made, that many connections closed without TIME_WAIT because the table was full."...)
		r.Findings = append(r.Findings, Finding{Kind: FindTimeWaitTable, Severity: SeverityNotice, Subject: "TCPTimeWaitOverflow", Text: string(b), Advice: twTableAdvice})
	}
}

var twTableAdvice = []Advice{{
	Do:         "Raise net.ipv4.tcp_max_tw_buckets (each TIME_WAIT socket costs a few hundred bytes)",
	Fixes:      "connections again wait out TIME_WAIT, which keeps a late segment of an old connection out of a new one on the same 4-tuple",
	DoesNotFix: "the churn that fills the table: reuse connections",
}}

func (r *PortsReport) findSettings() {
	s := &r.Settings
	if !s.Read {
		return
	}
	if s.TCPTwReuse != 0 && s.TCPTimestamps == 0 {
		r.Findings = append(r.Findings, Finding{
			Kind: FindTwReuseNoTS, Severity: SeverityWarn, Subject: "tcp_tw_reuse",
			Text: "net.ipv4.tcp_tw_reuse is " + strconv.Itoa(s.TCPTwReuse) + " but net.ipv4.tcp_timestamps is 0: connect() only takes over TIME_WAIT sockets of connections that used timestamps, so the setting does nothing.",
			Advice: []Advice{{
				Do:         "Turn timestamps on: net.ipv4.tcp_timestamps=1",
				Fixes:      "tcp_tw_reuse works again for new connections",
				DoesNotFix: "TIME_WAIT sockets of connections made without them",
			}},
		})
	}
	if s.TCPFinTimeout > 0 && s.TCPFinTimeout != TimeWaitLen {
		r.Findings = append(r.Findings, Finding{
			Kind: FindFinTimeout, Severity: SeverityNone, Subject: "tcp_fin_timeout",
			Text:   "net.ipv4.tcp_fin_timeout is " + strconv.Itoa(int(s.TCPFinTimeout/time.Second)) + " s: it bounds how long an orphaned socket waits in FIN_WAIT2; TIME_WAIT lasts 60 s whatever it says.",
			Advice: []Advice{adviceFinTimeout},
		})
	}
	if s.ConntrackMax > 0 && s.ConntrackCount >= 0 && reaches(s.ConntrackCount, s.ConntrackMax, 80) {
		sev := SeverityWarn
		if reaches(s.ConntrackCount, s.ConntrackMax, 95) {
			sev = SeverityCritical
		}
		b := []byte("the connection tracking table holds ")
		b = strconv.AppendInt(b, int64(s.ConntrackCount), 10)
		b = append(b, " of "...)
		b = strconv.AppendInt(b, int64(s.ConntrackMax), 10)
		b = append(b, " entries: when it is full, packets of new connections are dropped (\"nf_conntrack: table full, dropping packet\")."...)
		r.Findings = append(r.Findings, Finding{
			Kind: FindConntrack, Severity: sev, Subject: "nf_conntrack", Text: string(b),
			Advice: []Advice{{
				Do:         "Raise net.netfilter.nf_conntrack_max (and the hash size with it)",
				Fixes:      "room for more tracked connections",
				DoesNotFix: "churn that fills it: entries of closed connections stay for nf_conntrack_tcp_timeout_time_wait",
			}, {
				Do:         "Exempt busy local traffic from tracking (a NOTRACK rule in the raw table)",
				Fixes:      "the entries that traffic took",
				DoesNotFix: "traffic that NAT or stateful rules need tracked",
			}},
		})
	}
}

// appendPercentOf appends "85% of 199".
func appendPercentOf(dst []byte, n, of int) []byte {
	pct := 0
	if of > 0 {
		pct = n * 100 / of
	}
	dst = strconv.AppendInt(dst, int64(pct), 10)
	dst = append(dst, "% of "...)
	return strconv.AppendInt(dst, int64(of), 10)
}

// appendStateList appends "50 ESTABLISHED, 120 TIME_WAIT", states in
// kernel order, those with a count only.
func appendStateList(dst []byte, c *model.StateCounts) []byte {
	first := true
	for _, st := range model.AllStates {
		n := c.Of(st)
		if n == 0 {
			continue
		}
		if !first {
			dst = append(dst, ", "...)
		}
		first = false
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = append(dst, ' ')
		dst = append(dst, st.String()...)
	}
	return dst
}
