// Package analyze draws conclusions from a snapshot: which remote
// endpoints and ephemeral port pools are in trouble, why connect() may
// soon fail, and which processes hold what. It reads model values only:
// no file, no socket, no goroutine that outlives a call. docs/flags.md and
// docs/exhaustion.md explain every figure and rule for the person reading
// the output; this is the manual for the code that calls it.
//
// # Destinations and flags
//
// Destinations(snap, prev, dt, th) builds a DestIndex: every remote
// endpoint (Destination: one protocol, remote address and remote port,
// counted over every connected socket in any state), every ephemeral port
// pool (PortPool), the local addresses whose sockets bound before
// connect() (BindPool), and the flags they raise. Give it the whole
// snapshot, unfiltered: the usable ports depend on every listener, and a
// filter may change what a front end shows, never what is flagged.
//
// A flag (Flag, FlagKind, Severity) is one of five rules, each with its
// threshold in Thresholds:
//
//   - FlagTimeWait: a pool's TIME_WAIT sockets reach TimeWaitNotice or
//     TimeWaitWarn percent of its usable ports.
//   - FlagTimeWaitRising: TIME_WAIT arrivals since the previous sample
//     would, over TimeWaitLen (60 s), fill TimeWaitRising percent of the
//     pool. Needs a previous sample at least MinInterval old.
//   - FlagPorts: the ports connect() cannot take (PortPool.Blocking)
//     reach PortsNotice, PortsWarn or PortsCritical percent of the pool.
//   - FlagCloseWait: CloseWait sockets to one endpoint in CLOSE_WAIT.
//   - FlagCloseWaitRising: the endpoint's CLOSE_WAIT count has not fallen,
//     and has grown, over CloseWaitSamples samples. Needs the previous
//     samples' indexes, carried from one to the next.
//
// DefaultThresholds holds conntab's choices. A zero percentage or count
// turns its rule off; the type is comparable, so a caller tells the zero
// Thresholds (unset) from a set one with ==.
//
// # Pools as the kernel counts them
//
// The kernel lets a local port serve once per 4-tuple, so connect()
// without bind() draws on one pool per (local address, remote address,
// remote port). Each pool has U usable ports (DestIndex.Usable): the
// ephemeral range (net.ipv4.ip_local_port_range), less the reserved
// ports in it (ip_local_reserved_ports), less the ports in it a bind()
// holds (a listener, a bound-only socket, a socket bound before
// connect()), since connect() skips a port whose bind bucket a bind()
// made. TIME_WAIT sockets that tcp_tw_reuse lets connect() take over
// count in InUse but do not block (NetSettings.TwReuseFor). Sockets bound
// before connect() are told apart by the parity of their port (BindPool
// says how, and what cannot be told). Only TCP has pools: UDP's connect()
// keeps the port the socket was bound to.
//
// Rates (PortPool.TimeWaitRate, Growth, BlockingGrowth) are over dt, the
// time between the previous snapshot and this one, and only when dt is at
// least Thresholds.MinInterval; the first sample has none. Over the same
// dt, TimeWaitNew counts the TIME_WAIT sockets whose timers say they
// entered TIME_WAIT since the previous snapshot. The busiest pool
// (DestIndex.Busiest, Destination.Pool) is the one with the highest
// utilisation: reusable TIME_WAIT makes no pool busier.
//
// # The ports report
//
// Ports(snap, ix, before, dt, th) answers "connect() fails with
// EADDRNOTAVAIL: why, for which destination, how soon, what do I change?"
// as a PortsReport: every pool with its rate of connections the client
// closed first, the rate it can sustain and, when it cannot and it grew,
// the time until it is full; the ports
// of the range a bind() holds; the listeners whose accept queue is past
// its backlog; the namespace's settings and counters; and Findings, each
// with Advice (what to do, what it fixes, what it does not). ix must be
// Destinations over the same snapshot. before is the previous sample's
// NetCounters and dt the time since it: with both, counters are compared
// over the interval (ListenOverflows and TCPTimeWaitOverflow that rose);
// with a zero NetCounters and 0, the report is of one sample and says what
// the counters hold since the namespace was made. Opens sets ActiveOpens
// over the interval beside the pools' rates, which count something else,
// and says what makes up the difference.
//
// What each part needs from the snapshot:
//
//   - pools, held ports, bind-before-connect: the ephemeral range
//     (HostFacts.Ephemeral); without it there are no pools.
//   - full accept queues: netlink (Source), which gives a listener's
//     backlog; /proc does not.
//   - the TIME_WAIT table, tcp_tw_reuse without timestamps, tcp_fin_timeout,
//     conntrack, and the advice that quotes somaxconn: NetSettings
//     (collect.Config.Settings); the counters' findings: NetCounters.
//
// Finding and Advice are shared with the listener audit (package audit),
// which adds FindExposed and FindUnexpectedProgram and reuses
// FindHeldPort and FindAcceptQueue.
//
// # Remote groups
//
// GroupRemotes(snap, in, ix) counts connected sockets for a front end's
// list of remote endpoints: outbound ones by remote endpoint, with the
// Destination of ix for its pool and flags; inbound ones (Inbound, made by
// NewInbound from the whole snapshot's listeners and the ephemeral range)
// by remote address and local port, since the remote port of an accepted
// connection is the client's ephemeral port, a new one per connection.
//
// # Process counts
//
// CountProcesses(snap) counts the sockets each process holds, by state,
// and the TIME_WAIT and orphaned sockets whose connection it held
// (Former). It needs Snapshot.Owners (collect.Config.Processes) and, for
// the former owners, Snapshot.Former (collect.Config.Remember); without
// them every socket is Unknown. A large snapshot is counted on every
// core.
//
// Every result is built anew and only reads its inputs, prev included,
// so a front end can keep showing the previous one while the next is
// built (package sample does exactly that).
package analyze
