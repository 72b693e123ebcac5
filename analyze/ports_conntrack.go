package analyze

import (
	"fmt"

	"github.com/conntab/conntab/model"
)

// findConntrackDrops finds the new connections conntrack refused
// (insert_failed, drop) and the old entries it dropped to make room
// (early_drop): over the interval between two samples, critical when any
// was refused; else, from one sample, since the namespace was made, a
// notice (they may be old).
func (r *PortsReport) findConntrackDrops() {
	now := r.Counters.Conntrack
	if !now.Read {
		return
	}
	d, over, sev := now, "since the namespace was made (-i shows whether it goes on)", SeverityNotice
	if b := r.Before.Conntrack; r.Interval > 0 && b.Read {
		if now.InsertFailed < b.InsertFailed || now.Drop < b.Drop || now.EarlyDrop < b.EarlyDrop {
			return // counters that fell: not the same namespace
		}
		d = model.ConntrackStats{InsertFailed: now.InsertFailed - b.InsertFailed, Drop: now.Drop - b.Drop, EarlyDrop: now.EarlyDrop - b.EarlyDrop}
		over = "in the last " + string(model.AppendDuration(nil, r.Interval))
		sev = SeverityWarn
		if d.Refused() > 0 {
			sev = SeverityCritical
		}
	}
	if d.Refused() == 0 && d.EarlyDrop == 0 {
		return
	}
	text := fmt.Sprintf("conntrack refused %d new connections %s (insert_failed %d, drop %d) and dropped %d older entries to make room (early_drop): "+
		"a connection whose first packet conntrack refuses never starts; its SYN is dropped and retried until connect() times out. "+
		"insert_failed counts clashes, as when two connections are given the same SNAT tuple at once; drop and early_drop a full table.",
		d.Refused(), over, d.InsertFailed, d.Drop, d.EarlyDrop)
	r.Findings = append(r.Findings, Finding{
		Kind: FindConntrackDrops, Severity: sev, Subject: "nf_conntrack drops", Text: text,
		Advice: []Advice{{
			Do:         "Add --random-fully (nftables: masquerade fully-random) to the SNAT or masquerade rules",
			Fixes:      "insert_failed from two connections picking the same translated port at once",
			DoesNotFix: "a NAT port range too small for the connections through it: add SNAT addresses or widen the range",
		}, {
			Do:         "Raise net.netfilter.nf_conntrack_max (and the hash size with it)",
			Fixes:      "drop and early_drop with the table full",
			DoesNotFix: "churn that fills it: entries of closed connections stay for nf_conntrack_tcp_timeout_time_wait",
		}},
	})
}
