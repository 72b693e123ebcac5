// Package model is conntab's data: what one reading of a network
// namespace's connection table holds, in the form every other package
// works on. It is the leaf of the package graph.
//
// # What it holds
//
//   - Socket: one kernel socket as a 5-tuple (Local, Remote, Proto,
//     Family) with its State, cookie, inode, timer, queues, uid, namespace
//     and IPV6_V6ONLY option. State, StateSet (a set of states, and the
//     bitmask the kernel takes) and StateCounts (a count per state) go
//     with it.
//   - Snapshot: the sockets of one reading, when it started and how long
//     it took, its Source (netlink or /proc), the namespace's inode, the
//     HostFacts, and the processes that hold the sockets (Owners, and
//     Former for sockets that no longer belong to a file).
//   - HostFacts: the namespace's ephemeral port range and reserved ports,
//     and, when they were asked for, its port and TIME_WAIT sysctls
//     (NetSettings) and TCP counters (NetCounters, CounterFields).
//   - Owner and Owners: a process (pid, descriptor, name) holding a
//     socket, indexed by socket inode; ProcessDetail, one process's command
//     line and cgroup.
//   - TCPInfo: the part of struct tcp_info a person reads, for one socket.
//   - Ports and scopes: PortRange, PortClass (IANA's classes, and
//     ClassEphemeral for this host's range) and BindScope (where a
//     listener takes traffic from).
//   - Spellings that several front ends share and a String method cannot
//     give (spell.go): AppendDuration, AppendPeer, AppendTimer, AppendRate,
//     TwReuseMeaning.
//
// # Why it is a leaf
//
// model imports only the standard library, and not os: it reads no file,
// opens no socket, starts no goroutine and judges nothing. Everything
// else imports it (collect fills it; filter, analyze, audit, names,
// render, sample, the dashboard and the exporter read it), so it must be
// cheap to import, build on every platform, and be testable with values
// alone. Whatever reads the host lives in collect, or in names and audit
// for their tables; whatever draws conclusions (flags, pools, the ports
// report, the listener audit) lives in analyze and audit.
//
// # Addresses
//
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are stored unmapped, as IPv4,
// so that they are shown and grouped with IPv4 peers; the socket's Family
// stays FamilyInet6, which is how a mapped address is told apart.
//
// Process names (Owner.Comm) and user names come from the host and are
// untrusted text: model keeps them exactly, and the printer escapes them
// (render/escape).
package model
