package sample

import (
	"context"
	"time"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// Config says how to take a sample and what to work out from it. The zero
// value of each option turns its work off, so a front end pays only for
// what it shows.
type Config struct {
	// Collect reads the snapshots of one sample, one per network
	// namespace: a collect.Collector's Collect, or a test's stand-in. A
	// snapshot returned with an error is a partial reading; it is kept,
	// with the error.
	Collect func(context.Context) (*model.Snapshot, error)
	// Thresholds judge the destinations and pools; the zero value means
	// analyze.DefaultThresholds.
	Thresholds analyze.Thresholds
	// Dests asks for the destinations and pools (analyze.Destinations) of
	// each namespace; Ports asks for the ports report (analyze.Ports) as
	// well, and implies Dests.
	Dests, Ports bool
	// WhatIf, with Ports, asks for the ports report again under other
	// settings (Net.WhatIf): nothing changes on the host.
	WhatIf *analyze.WhatIf
	// Rules, when set, asks for the listener audit of each namespace,
	// with Names naming its ports, users and processes.
	Rules *audit.AuditRules
	Names names.Labeler
	// Linger, when positive, asks for the Diff against the previous
	// sample, in which sockets gone since linger on for this long.
	// Negative keeps the Diff without lingering sockets.
	Linger time.Duration
	// PerNamespace takes a reading of several namespaces (-N all) apart:
	// one Net per namespace, each judged with its own port range,
	// reserved ports and settings, and carried on from its own previous
	// Net. Without it such a reading is one Net, as the listing shows it.
	PerNamespace bool
}

// Sample is one reading of the kernel and everything worked out from it.
// It is immutable once Take returns it: front ends read it from any
// goroutine, and the next sample is built beside it, never in it.
//
// A sample holds one Net per network namespace it read: the one named in
// the collector's Config, or, with Config.PerNamespace, each of several. Events that arrive between two samples
// belong beside Nets, so that every front end reads them from the same
// value.
type Sample struct {
	// Seq counts samples from 1.
	Seq uint64
	// Nets are the namespaces read, in the order read.
	Nets []*Net
	// Err is what went wrong reading the kernel; a Net may still hold a
	// partial reading.
	Err error
}

// Net is one network namespace's part of a sample.
type Net struct {
	Snap *model.Snapshot
	// At is when the reading finished: marks and ages count from it.
	At time.Time
	// DT is the time since the previous sample of this namespace was
	// taken, 0 for the first: rates are over it.
	DT time.Duration
	// Dests are the remote endpoints and ephemeral port pools of the
	// whole snapshot, with their flags (a filter never hides a flag); nil
	// unless Config.Dests or Config.Ports.
	Dests *analyze.DestIndex
	// Ports is the ports report; nil unless Config.Ports.
	Ports *analyze.PortsReport
	// WhatIf is the ports report under Config.WhatIf's settings; nil
	// without one.
	WhatIf *analyze.PortsReport
	// Listeners is the listener audit; nil unless Config.Rules is set.
	Listeners *audit.ListenerReport
	// Diff follows sockets from the previous sample; nil unless
	// Config.Linger is set.
	Diff *Diff
}

// Net returns the sample's first namespace, or nil when nothing was read:
// the one a single-namespace front end shows.
func (s *Sample) Net() *Net {
	if s == nil || len(s.Nets) == 0 {
		return nil
	}
	return s.Nets[0]
}

// Take reads one sample and works out what cfg asks for, against prev,
// the previous sample (nil for the first). It only reads prev, so prev
// can be shown while Take runs. Take returns nil, with the error, when
// nothing could be read.
func Take(ctx context.Context, cfg *Config, prev *Sample) (*Sample, error) {
	snap, err := cfg.Collect(ctx)
	if snap == nil {
		return nil, err
	}
	s := &Sample{Seq: 1, Err: err}
	if prev != nil {
		s.Seq = prev.Seq + 1
	}
	snaps := []*model.Snapshot{snap}
	if cfg.PerNamespace {
		snaps = split(snap)
	}
	s.Nets = make([]*Net, len(snaps))
	for i, part := range snaps {
		s.Nets[i] = work(cfg, part, prev.find(part.NetNS))
	}
	return s, err
}

// find is the namespace netns of s, or nil (and nil for no s).
func (s *Sample) find(netns uint32) *Net {
	if s == nil {
		return nil
	}
	for _, n := range s.Nets {
		if n.Snap.NetNS == netns {
			return n
		}
	}
	return nil
}

// work is what cfg asks to be worked out from snap, the namespace's
// reading after before (nil for its first).
func work(cfg *Config, snap *model.Snapshot, before *Net) *Net {
	th := cfg.Thresholds
	if th == (analyze.Thresholds{}) {
		th = analyze.DefaultThresholds()
	}
	n := &Net{Snap: snap, At: snap.Taken.Add(snap.Duration)}
	var prevDests *analyze.DestIndex
	var counters model.NetCounters
	if before != nil {
		n.DT = snap.Taken.Sub(before.Snap.Taken)
		prevDests, counters = before.Dests, before.Snap.Host.Counters
	}
	if cfg.Dests || cfg.Ports {
		n.Dests = analyze.Destinations(snap, prevDests, n.DT, th)
	}
	if cfg.Ports {
		n.Ports = analyze.Ports(snap, n.Dests, counters, n.DT, th)
	}
	if cfg.Ports && !cfg.WhatIf.IsZero() {
		alt := *snap // the same sockets, judged under other settings
		alt.Host = cfg.WhatIf.Apply(snap.Host)
		altDests := analyze.Destinations(&alt, prevDests, n.DT, th)
		cfg.WhatIf.ApplyPools(altDests)
		n.WhatIf = analyze.Ports(&alt, altDests, counters, n.DT, th)
	}
	if cfg.Rules != nil {
		l := cfg.Names
		l.Host, l.Snapshot = &snap.Host, snap
		n.Listeners = audit.Audit(snap, l, cfg.Rules)
	}
	if cfg.Linger != 0 {
		d := NewDiff()
		if before != nil && before.Diff != nil {
			d = before.Diff
		}
		n.Diff = d.Next(snap, n.At, max(cfg.Linger, 0))
	}
	return n
}
