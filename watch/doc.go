// Package watch is conntab watch: a stream of socket events, one per
// line, until interrupted.
//
// Events come from two sources. Samples (the collector's snapshots, every
// -i) find opens (a socket no earlier sample held) and TCP state changes.
// The kernel's sock_diag destroy messages, which any user may receive
// (collect.Collector.OpenDestroys), find closes as they happen, with the
// connection's final tcp_info. Where the messages cannot be had (an old
// kernel, a sandbox, --samples-only, or samples read from /proc, which
// has no cookies to match them by), the samples find the closes too: a
// socket they no longer hold ("gone"), or hold in TIME_WAIT ("time-wait"),
// and Run says so once on stderr. Each event says how it was seen: no
// event is inferred that a source did not show.
//
// Tracker holds what is known of each socket, keyed by its cookie (which
// a TIME_WAIT minisocket keeps from its connection), and is pure: Run
// feeds it. Run reads the destroy messages on a goroutine of their own,
// takes the samples on its own, and handles the messages that arrived
// during a sample after that sample, so that a
// sample read before a socket was freed never opens it again; with
// destroy messages, a socket a sample no longer holds waits graceSamples
// samples for its message before the samples close it.
//
// The first sample is the baseline: what is open then makes no event.
//
// Where eBPF loads (collect/bpfevents; OpenFailures), a third source
// joins: the kernel's records of failed connect() and bind() calls
// (connect_error, bind_error) and of TCP state changes. A connection
// the tracepoint sees become ESTABLISHED opens at the kernel's time,
// named after the task that called connect(); one a sample finds first
// waits a sample for its record (Tracker.Traced), and opens from the
// sample if none comes (lost, or opened before the programs were
// attached). A destroy message of a socket the tracepoint opened waits
// for its change to CLOSE, which ends its lifetime on the kernel's
// clock (the message comes after an RCU grace period, milliseconds
// later), or one sample more. State changes and closes still come from
// the samples and destroy messages. Where eBPF cannot load, Run says
// once on stderr that failures cannot be seen, and why, and the stream
// is what it was without it; CONNTAB_NO_BPF=1 makes it so (NoBPFEnv).
package watch
