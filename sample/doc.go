// Package sample is conntab's one sampler: the stage between the
// collector and every front end. Take reads the kernel once and works out,
// against the previous sample, what the front end asks for; the result is
// an immutable Sample that the listing, the dashboard, conntab ports and
// conntab serve all read the same way.
//
// # What a Sample holds
//
// A Sample has a sequence number (Seq, from 1), the error of its reading
// (Err), and one Net per network namespace it read. A Net holds:
//
//   - Snap, the snapshot as collect returned it;
//   - At, when the reading finished, which new, changed and closed marks
//     count from, and DT, the time since the previous sample of the same
//     namespace was taken (0 for its first), which every rate is over;
//   - Dests, the destinations, pools and flags (analyze.Destinations),
//     when Config.Dests or Config.Ports asks;
//   - Ports, the ports report (analyze.Ports), when Config.Ports asks: from
//     a second sample its counters are compared over DT;
//   - Listeners, the listener audit (audit.Audit), when Config.Rules is
//     set, named by Config.Names with the snapshot's own host and
//     processes;
//   - Diff, when Config.Linger is set: which sockets are new, which
//     changed state (and from what), and which closed and linger for
//     Linger as ghosts, with the processes that held them.
//
// The zero value of each option leaves its part nil, so a front end pays
// only for what it shows; Config.Thresholds left zero means
// analyze.DefaultThresholds.
//
// # The previous sample
//
// Take(ctx, cfg, prev) takes prev, the sample before (nil for the first),
// and finds in it the Net of the same namespace, by Snapshot.NetNS: rates,
// the CLOSE_WAIT trend, the counters' growth and the Diff carry on from
// that Net alone, and a namespace prev lacks starts afresh. Keep the
// sample Take returned and hand it back next time; that is all the state
// there is between samples.
//
// # Immutable
//
// Take only reads prev, and nothing may change a Sample, or what it points
// to, once Take has returned it. So a front end shows one sample from any
// goroutine while the next is taken beside it, from it, and a sample can
// be handed to several readers at once without a lock or a copy: the
// dashboard takes the next one in a tea.Cmd while its view draws the
// last, and the exporter serves concurrent scrapes from the one it
// keeps.
//
// # Partial readings
//
// When Collect returns a snapshot and an error (a line that did not
// decode, settings that could not be read, a process walk cut short), the
// sample is taken with both: Sample.Err and Take's error are that error,
// and the Net holds what was read. When nothing was read, Take returns
// nil and the error; keep prev then, so the next sample's rates are over
// the time since the last good one.
//
// # How the front ends use it
//
//   - conntab list takes one sample, with Dests when --flagged asks for
//     flags.
//   - conntab ports takes one sample with Ports, or, with an interval, two,
//     the second with Ports, so that rates and counters are over the
//     interval; with -N all, PerNamespace, one report per namespace.
//   - conntab serve keeps the last sample and takes the next on a scrape,
//     with Dests, so that rates are over the real time between scrapes.
//   - conntab top (the dashboard) takes one every interval with Ports and
//     Linger, and draws its views from the sample it holds.
//
// # Room for more
//
// Nets is a slice so that one sample can hold every network namespace of
// the host, each with its own previous Net found by NetNS. A collector
// reading several (-N all) returns them in one snapshot, as the listing
// shows them; Config.PerNamespace takes that snapshot apart, one Net per
// namespace with its own Host facts (port range, reserved ports,
// settings, counters), so that conntab ports judges each on its own and
// Net.Namespace names it. Without it, Sample.Net returns the one Net. A stream of
// events between two samples (sockets opened and closed, as eBPF would
// report them) belongs beside Nets in the Sample, as another input to
// the same value, not a second pipeline: front ends read it from the
// sample they already hold, and do not change again.
package sample
