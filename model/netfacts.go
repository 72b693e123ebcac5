package model

import (
	"net/netip"
	"time"
)

// NetSettings are the namespace's sysctls that decide how ports are
// handed out and how long closed connections hold them. Read is false
// when they were not asked for (collect.Config.Settings); then every
// field is zero and nothing may be concluded from them. A sysctl the
// kernel lacks reads as -1 (Conntrack* without nf_conntrack loaded,
// TCPTwReuseDelay before Linux 6.13).
type NetSettings struct {
	Read bool
	// UnprivilegedPortStart is net.ipv4.ip_unprivileged_port_start: the
	// lowest port a process without CAP_NET_BIND_SERVICE may bind.
	UnprivilegedPortStart int
	// TCPTwReuse is net.ipv4.tcp_tw_reuse: 0 off, 1 on, 2 loopback only
	// (the default). It lets connect() take the 4-tuple of a TIME_WAIT
	// socket older than TCPTwReuseDelay, when that connection used TCP
	// timestamps.
	TCPTwReuse int
	// TCPTwReuseDelay is net.ipv4.tcp_tw_reuse_delay (milliseconds, since
	// Linux 6.13; -1 before, where the delay is 1 s).
	TCPTwReuseDelay int
	// TCPTimestamps is net.ipv4.tcp_timestamps: 0 off, 1 on with random
	// offsets (the default), 2 on without.
	TCPTimestamps int
	// TCPFinTimeout is net.ipv4.tcp_fin_timeout: how long an orphaned
	// socket stays in FIN_WAIT2. It does not shorten TIME_WAIT.
	TCPFinTimeout time.Duration
	// TCPMaxTwBuckets is net.ipv4.tcp_max_tw_buckets: past it, closing
	// connections skip TIME_WAIT (TCPTimeWaitOverflow counts them).
	TCPMaxTwBuckets int
	// Somaxconn is net.core.somaxconn: the cap on a listen() backlog.
	Somaxconn int
	// ConntrackCount and ConntrackMax are net.netfilter.nf_conntrack_count
	// and nf_conntrack_max, -1 without connection tracking.
	ConntrackCount, ConntrackMax int
}

// TwReuseFor reports whether connect() may take over the 4-tuple of a
// TIME_WAIT socket from local to remote under these settings: tcp_tw_reuse
// 1, or 2 with a loopback address at either end, and timestamps on (a
// connection without them is never reused). False when the settings were
// not read.
func (s *NetSettings) TwReuseFor(local, remote netip.Addr) bool {
	if !s.Read || s.TCPTimestamps == 0 {
		return false
	}
	switch s.TCPTwReuse {
	case 1:
		return true
	case 2:
		// The kernel counts v4-mapped loopback as loopback too.
		return local.Unmap().IsLoopback() || remote.Unmap().IsLoopback()
	}
	return false
}

// NetCounters are the namespace's TCP counters, cumulative since it was
// made, from /proc/net/netstat (TcpExt) and /proc/net/snmp (Tcp). Read is
// false when they were not asked for.
type NetCounters struct {
	Read bool
	// TcpExt: TIME_WAIT sockets that ended by their timer (TW), that
	// connect() took over under tcp_tw_reuse (TWRecycled), that an RST
	// or a reused tuple ended early (TWKilled); connections that closed
	// without TIME_WAIT because the table was full (TCPTimeWaitOverflow);
	// handshakes a full accept queue dropped (ListenOverflows, counted
	// again with other listen drops in ListenDrops); SYNs dropped with the
	// request queue full (TCPReqQFullDrop).
	TW, TWRecycled, TWKilled, TCPTimeWaitOverflow uint64
	ListenOverflows, ListenDrops, TCPReqQFullDrop uint64
	// Tcp: connects started (ActiveOpens), connections accepted
	// (PassiveOpens), connects that failed (AttemptFails), and connections
	// now ESTABLISHED or CLOSE_WAIT (CurrEstab, a gauge).
	ActiveOpens, PassiveOpens, AttemptFails, CurrEstab uint64
	// Conntrack are connection tracking's statistics, where it is loaded.
	Conntrack ConntrackStats
}

// ConntrackStats are a namespace's connection-tracking statistics, summed
// over its CPUs (/proc/net/stat/nf_conntrack, conntrack -S): new
// connections that conntrack could not insert (InsertFailed: a clash, as
// in the SNAT port allocation race that --random-fully narrows), that it
// dropped with its table full (Drop), older entries it dropped to make
// room (EarlyDrop), and hash lookups restarted (SearchRestart). Read is
// false where nf_conntrack is not loaded.
type ConntrackStats struct {
	Read                                         bool
	InsertFailed, Drop, EarlyDrop, SearchRestart uint64
}

// Refused is how many new connections conntrack could not take:
// InsertFailed and Drop (EarlyDrop ended old ones to let new ones in).
func (c ConntrackStats) Refused() uint64 { return c.InsertFailed + c.Drop }

// CounterField is one of NetCounters' counters: the name /proc/net/netstat
// or /proc/net/snmp gives it, how to read it, and whether it is a gauge
// (CurrEstab) rather than a count since the namespace was made.
type CounterField struct {
	Name  string
	Get   func(*NetCounters) uint64
	Gauge bool
}

// CounterFields are NetCounters' counters in the order front ends show
// them: TcpExt's seven (TcpExtFields of them), then Tcp's.
var CounterFields = [...]CounterField{
	{Name: "TW", Get: func(c *NetCounters) uint64 { return c.TW }},
	{Name: "TWRecycled", Get: func(c *NetCounters) uint64 { return c.TWRecycled }},
	{Name: "TWKilled", Get: func(c *NetCounters) uint64 { return c.TWKilled }},
	{Name: "TCPTimeWaitOverflow", Get: func(c *NetCounters) uint64 { return c.TCPTimeWaitOverflow }},
	{Name: "ListenOverflows", Get: func(c *NetCounters) uint64 { return c.ListenOverflows }},
	{Name: "ListenDrops", Get: func(c *NetCounters) uint64 { return c.ListenDrops }},
	{Name: "TCPReqQFullDrop", Get: func(c *NetCounters) uint64 { return c.TCPReqQFullDrop }},
	{Name: "ActiveOpens", Get: func(c *NetCounters) uint64 { return c.ActiveOpens }},
	{Name: "PassiveOpens", Get: func(c *NetCounters) uint64 { return c.PassiveOpens }},
	{Name: "AttemptFails", Get: func(c *NetCounters) uint64 { return c.AttemptFails }},
	{Name: "CurrEstab", Get: func(c *NetCounters) uint64 { return c.CurrEstab }, Gauge: true},
}

// TcpExtFields is how many of CounterFields come from TcpExt.
const TcpExtFields = 7
