package analyze

import (
	"math"
	"strconv"
	"time"

	"github.com/conntab/conntab/model"
)

// The findings of a PortsReport, one method per kind of thing it looks
// at; Ports calls them in this order and sorts by severity after.

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
		if tw > 0 && !math.IsInf(p.MaxRate, 1) {
			b = r.appendSustains(b, p)
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

// appendSustains appends the pool's rate of connections the client
// closed first against the rate it sustains, and, when it cannot sustain
// it, the time until it is full.
func (r *PortsReport) appendSustains(b []byte, p *PoolReport) []byte {
	b = append(b, "About "...)
	b = appendRate(b, p.Rate)
	b = append(b, " of these connections are closed by the client first ("...)
	b = append(b, r.RateBasis(p)...)
	if p.Rate <= p.MaxRate {
		b = append(b, "); the pool sustains "...)
		b = appendRate(b, p.MaxRate)
		return append(b, ", so at this rate TIME_WAIT levels off before the pool is full. "...)
	}
	b = append(b, "), more than the "...)
	b = appendRate(b, p.MaxRate)
	b = append(b, " the pool sustains"...)
	if p.Exhaustion > 0 {
		b = append(b, ": at the growth of its blocking ports since the last sample, none is left in "...)
		b = model.AppendDuration(b, p.Exhaustion)
	}
	return append(b, ". "...)
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
