package render

import (
	"math"
	"time"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// PortsJSON is the shape of `conntab ports --json` (docs/json.md): one
// document for one PortsReport. NewPortsJSON builds it; encoding/json
// writes it, and reads it back. Every key is always there: a figure that
// is not known is null, a list with nothing in it is [].
type PortsJSON struct {
	NetNS     uint32         `json:"netns"`
	Taken     time.Time      `json:"taken"`
	Ephemeral EphemeralJSON  `json:"ephemeral"`
	HeldPorts []HeldPortJSON `json:"held_ports"`
	Settings  SettingsJSON   `json:"settings"`
	Counters  CountersJSON   `json:"counters"`
	// IntervalSeconds is the time between the two samples Deltas come
	// from; 0, and Deltas null, for a report from one sample.
	IntervalSeconds float64        `json:"interval_seconds"`
	Deltas          *DeltasJSON    `json:"deltas"`
	TimeWait        int            `json:"time_wait"`
	Pools           []PoolJSON     `json:"pools"`
	BindPools       []BindPoolJSON `json:"bind_pools"`
	Findings        []FindingJSON  `json:"findings"`
	Severity        string         `json:"severity"`
	// WhatIf is --what-if's report, null without one.
	WhatIf *WhatIfJSON `json:"what_if"`
}

// EphemeralJSON is the ephemeral range and what is left of it: Size less
// Reserved, Held and Bound is Usable (U). All 0 when the range is unknown.
type EphemeralJSON struct {
	Lo       uint16 `json:"lo"`
	Hi       uint16 `json:"hi"`
	Size     int    `json:"size"`
	Reserved int    `json:"reserved"`
	Held     int    `json:"held"`
	Bound    int    `json:"bound"`
	Usable   int    `json:"usable"`
}

// HeldPortJSON is a port of the range a bind() holds.
type HeldPortJSON struct {
	Port    uint16           `json:"port"`
	Sockets []HeldSocketJSON `json:"sockets"`
}

// HeldSocketJSON is a listening or bound-only socket on a held port.
type HeldSocketJSON struct {
	Local EndpointJSON `json:"local"`
	State string       `json:"state"`
}

// SettingsJSON are NetSettings under their sysctls' names, in the
// sysctls' units. A sysctl the kernel lacks (NetSettings' -1) is null;
// every one is null when Read is false.
type SettingsJSON struct {
	Read                    bool `json:"read"`
	IPUnprivilegedPortStart *int `json:"ip_unprivileged_port_start"`
	TCPTwReuse              *int `json:"tcp_tw_reuse"`
	TCPTwReuseDelay         *int `json:"tcp_tw_reuse_delay"`
	TCPTimestamps           *int `json:"tcp_timestamps"`
	TCPFinTimeout           *int `json:"tcp_fin_timeout"`
	TCPMaxTwBuckets         *int `json:"tcp_max_tw_buckets"`
	Somaxconn               *int `json:"somaxconn"`
	NfConntrackCount        *int `json:"nf_conntrack_count"`
	NfConntrackMax          *int `json:"nf_conntrack_max"`
}

// CountersJSON are NetCounters under the names /proc/net/netstat (TcpExt)
// and /proc/net/snmp (Tcp) give them; every one is null when Read is
// false.
type CountersJSON struct {
	Read                bool    `json:"read"`
	TW                  *uint64 `json:"TW"`
	TWRecycled          *uint64 `json:"TWRecycled"`
	TWKilled            *uint64 `json:"TWKilled"`
	TCPTimeWaitOverflow *uint64 `json:"TCPTimeWaitOverflow"`
	ListenOverflows     *uint64 `json:"ListenOverflows"`
	ListenDrops         *uint64 `json:"ListenDrops"`
	TCPReqQFullDrop     *uint64 `json:"TCPReqQFullDrop"`
	ActiveOpens         *uint64 `json:"ActiveOpens"`
	PassiveOpens        *uint64 `json:"PassiveOpens"`
	AttemptFails        *uint64 `json:"AttemptFails"`
	CurrEstab           *uint64 `json:"CurrEstab"`
	// Conntrack is connection tracking's statistics, null where
	// nf_conntrack is not loaded.
	Conntrack *ConntrackJSON `json:"conntrack"`
}

// ConntrackJSON is model.ConntrackStats: counts summed over the CPUs
// since the namespace was made.
type ConntrackJSON struct {
	InsertFailed  uint64 `json:"insert_failed"`
	Drop          uint64 `json:"drop"`
	EarlyDrop     uint64 `json:"early_drop"`
	SearchRestart uint64 `json:"search_restart"`
}

// DeltasJSON are how much each of NetCounters changed between the two
// samples, under CountersJSON's names. A counter that fell (the namespace
// was made anew) is null; CurrEstab, a gauge, may fall, and be negative.
type DeltasJSON struct {
	TW                  *int64 `json:"TW"`
	TWRecycled          *int64 `json:"TWRecycled"`
	TWKilled            *int64 `json:"TWKilled"`
	TCPTimeWaitOverflow *int64 `json:"TCPTimeWaitOverflow"`
	ListenOverflows     *int64 `json:"ListenOverflows"`
	ListenDrops         *int64 `json:"ListenDrops"`
	TCPReqQFullDrop     *int64 `json:"TCPReqQFullDrop"`
	ActiveOpens         *int64 `json:"ActiveOpens"`
	PassiveOpens        *int64 `json:"PassiveOpens"`
	AttemptFails        *int64 `json:"AttemptFails"`
	CurrEstab           *int64 `json:"CurrEstab"`
}

// PoolJSON is one PoolReport. Established, SynSent, TimeWait and Other
// add up to InUse; Utilisation is PortPool.Utilisation.
type PoolJSON struct {
	Local       string       `json:"local"`
	Remote      EndpointJSON `json:"remote"`
	Established int          `json:"established"`
	SynSent     int          `json:"syn_sent"`
	TimeWait    int          `json:"time_wait"`
	Other       int          `json:"other"`
	InUse       int          `json:"in_use"`
	Usable      int          `json:"usable"`
	Free        int          `json:"free"`
	Utilisation float64      `json:"utilisation"`
	// Deprecated: Utilization is Utilisation as first spelt; kept, never renamed.
	Utilization      float64 `json:"utilization"`
	TimeWaitReusable int     `json:"time_wait_reusable"`
	Bound            int     `json:"bound"`
	Rate             float64 `json:"rate"`
	RateFromSamples  bool    `json:"rate_from_samples"`
	// MaxRate is null when it has no bound (tcp_tw_reuse), and
	// ExhaustionSeconds when the pool is not filling up.
	MaxRate           *float64 `json:"max_rate"`
	ExhaustionSeconds *float64 `json:"exhaustion_seconds"`
	Severity          string   `json:"severity"`
}

// BindPoolJSON is one BindPool; States counts its sockets by state name.
type BindPoolJSON struct {
	Local       string         `json:"local"`
	Sockets     int            `json:"sockets"`
	States      map[string]int `json:"states"`
	InUse       int            `json:"in_use"`
	Usable      int            `json:"usable"`
	Utilisation float64        `json:"utilisation"`
	// Deprecated: Utilization is Utilisation as first spelt; kept, never renamed.
	Utilization float64 `json:"utilization"`
	Severity    string  `json:"severity"`
}

// FindingJSON is one Finding.
type FindingJSON struct {
	Kind     string       `json:"kind"`
	Severity string       `json:"severity"`
	Subject  string       `json:"subject"`
	Text     string       `json:"text"`
	Advice   []AdviceJSON `json:"advice"`
}

// AdviceJSON is one Advice.
type AdviceJSON struct {
	Do         string `json:"do"`
	Fixes      string `json:"fixes"`
	DoesNotFix string `json:"does_not_fix"`
}

// NewPortsJSON is r in the PortsJSON shape. Fractions and rates are
// rounded to 4 decimals, seconds to milliseconds.
func NewPortsJSON(r *analyze.PortsReport) PortsJSON {
	j := PortsJSON{
		NetNS:     r.NetNS,
		Taken:     r.Taken,
		HeldPorts: make([]HeldPortJSON, 0, len(r.HeldPorts)),
		Settings:  settingsJSON(&r.Settings),
		Counters:  CountersJSON{Read: r.Counters.Read},
		TimeWait:  r.TimeWait,
		Pools:     make([]PoolJSON, 0, len(r.Pools)),
		BindPools: make([]BindPoolJSON, 0, len(r.BindPools)),
		Findings:  make([]FindingJSON, 0, len(r.Findings)),
		Severity:  r.Severity().String(),
	}
	if r.Ephemeral != (model.PortRange{}) && r.Ephemeral.Size() > 0 {
		size := r.Ephemeral.Size()
		j.Ephemeral = EphemeralJSON{
			Lo: r.Ephemeral.Lo, Hi: r.Ephemeral.Hi, Size: size,
			Reserved: r.Reserved, Held: r.Held, Bound: size - r.Reserved - r.Held - r.Usable, Usable: r.Usable,
		}
	}
	for i := range r.HeldPorts {
		h := &r.HeldPorts[i]
		hj := HeldPortJSON{Port: h.Port, Sockets: make([]HeldSocketJSON, len(h.Sockets))}
		for k := range h.Sockets {
			s := &h.Sockets[k]
			hj.Sockets[k] = HeldSocketJSON{Local: endpointJSON(s.Local.Addr().String(), s.Local.Port()), State: s.State.String()}
		}
		j.HeldPorts = append(j.HeldPorts, hj)
	}
	if ct := r.Counters.Conntrack; ct.Read {
		j.Counters.Conntrack = &ConntrackJSON{InsertFailed: ct.InsertFailed, Drop: ct.Drop, EarlyDrop: ct.EarlyDrop, SearchRestart: ct.SearchRestart}
	}
	if r.Counters.Read {
		for i, slot := range j.Counters.slots() {
			v := model.CounterFields[i].Get(&r.Counters)
			*slot = &v
		}
	}
	if r.Interval > 0 {
		j.IntervalSeconds = roundTo(r.Interval.Seconds(), 1e3)
		j.Deltas = newDeltasJSON(&r.Counters, &r.Before)
	}
	for i := range r.Pools {
		j.Pools = append(j.Pools, poolJSON(&r.Pools[i]))
	}
	for i := range r.BindPools {
		bp := &r.BindPools[i]
		states := map[string]int{}
		for _, st := range model.AllStates {
			if n := bp.States.Of(st); n > 0 {
				states[st.String()] = n
			}
		}
		j.BindPools = append(j.BindPools, BindPoolJSON{
			Local: bp.Local.String(), Sockets: bp.Sockets, States: states,
			InUse: bp.InUse, Usable: bp.Usable, Utilisation: roundTo(bp.Utilisation(), 1e4), Utilization: roundTo(bp.Utilisation(), 1e4),
			Severity: bp.Severity.String(),
		})
	}
	j.Findings = appendFindingsJSON(j.Findings, r.Findings)
	return j
}

// appendFindingsJSON appends fs to dst as FindingJSON.
func appendFindingsJSON(dst []FindingJSON, fs []analyze.Finding) []FindingJSON {
	for i := range fs {
		f := &fs[i]
		fj := FindingJSON{Kind: f.Kind.String(), Severity: f.Severity.String(), Subject: f.Subject, Text: f.Text, Advice: make([]AdviceJSON, len(f.Advice))}
		for k, a := range f.Advice {
			fj.Advice[k] = AdviceJSON{Do: a.Do, Fixes: a.Fixes, DoesNotFix: a.DoesNotFix}
		}
		dst = append(dst, fj)
	}
	return dst
}

func poolJSON(p *analyze.PoolReport) PoolJSON {
	est, syn, tw := p.States.Of(model.StateEstablished), p.States.Of(model.StateSynSent), p.States.Of(model.StateTimeWait)
	pj := PoolJSON{
		Local:       p.Local.String(),
		Remote:      endpointJSON(p.Remote.Addr().String(), p.Remote.Port()),
		Established: est, SynSent: syn, TimeWait: tw, Other: p.InUse - est - syn - tw,
		InUse: p.InUse, Usable: p.Usable, Free: p.Free(),
		Utilisation: roundTo(p.Utilisation(), 1e4), Utilization: roundTo(p.Utilisation(), 1e4),
		TimeWaitReusable: p.TimeWaitReusable, Bound: p.Bound,
		Rate: roundTo(p.Rate, 1e4), RateFromSamples: p.RateFromSamples,
		Severity: p.Severity.String(),
	}
	if !math.IsInf(p.MaxRate, 1) {
		m := roundTo(p.MaxRate, 1e4)
		pj.MaxRate = &m
	}
	if p.Exhaustion > 0 {
		s := roundTo(p.Exhaustion.Seconds(), 1e3)
		pj.ExhaustionSeconds = &s
	}
	return pj
}

func endpointJSON(addr string, port uint16) EndpointJSON { return EndpointJSON{Addr: addr, Port: port} }

func settingsJSON(s *model.NetSettings) SettingsJSON {
	j := SettingsJSON{Read: s.Read}
	if !s.Read {
		return j
	}
	val := func(v int) *int { return &v }
	// Only these may be missing from a kernel; the others are always
	// there, and a negative tcp_fin_timeout is a value the kernel takes.
	optional := func(v int) *int {
		if v < 0 {
			return nil
		}
		return &v
	}
	j.IPUnprivilegedPortStart = val(s.UnprivilegedPortStart)
	j.TCPTwReuse = val(s.TCPTwReuse)
	j.TCPTwReuseDelay = optional(s.TCPTwReuseDelay)
	j.TCPTimestamps = val(s.TCPTimestamps)
	j.TCPFinTimeout = val(int(s.TCPFinTimeout / time.Second))
	j.TCPMaxTwBuckets = val(s.TCPMaxTwBuckets)
	j.Somaxconn = val(s.Somaxconn)
	j.NfConntrackCount = optional(s.ConntrackCount)
	j.NfConntrackMax = optional(s.ConntrackMax)
	return j
}

// slots are CountersJSON's counters in CounterFields' order.
func (c *CountersJSON) slots() [len(model.CounterFields)]**uint64 {
	return [...]**uint64{&c.TW, &c.TWRecycled, &c.TWKilled, &c.TCPTimeWaitOverflow, &c.ListenOverflows, &c.ListenDrops,
		&c.TCPReqQFullDrop, &c.ActiveOpens, &c.PassiveOpens, &c.AttemptFails, &c.CurrEstab}
}

// newDeltasJSON is now less before, counter by counter: null for a
// counter that fell, signed for the gauge.
func newDeltasJSON(now, before *model.NetCounters) *DeltasJSON {
	d := &DeltasJSON{}
	slots := [...]**int64{&d.TW, &d.TWRecycled, &d.TWKilled, &d.TCPTimeWaitOverflow, &d.ListenOverflows, &d.ListenDrops,
		&d.TCPReqQFullDrop, &d.ActiveOpens, &d.PassiveOpens, &d.AttemptFails, &d.CurrEstab}
	for i, slot := range slots {
		n, b := model.CounterFields[i].Get(now), model.CounterFields[i].Get(before)
		if n < b && !model.CounterFields[i].Gauge {
			continue
		}
		v := int64(n - b)
		*slot = &v
	}
	return d
}

func roundTo(v, scale float64) float64 { return math.Round(v*scale) / scale }
