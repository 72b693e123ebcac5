package reporttest

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// Taken is when the synthetic snapshots were taken.
var Taken = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// PortsSnapshot is a namespace whose ephemeral range is 40000-40199, with
// a listener on 40100 (held), one socket bound before connect() on the
// odd port 40001, a full accept queue on 8080, and these pools from
// 10.0.0.5: to 10.0.0.9:5432, 20 ESTABLISHED, 4 SYN_SENT and the rest of
// its n sockets TIME_WAIT, on every even port (first) then odd ones from
// 40003; to 10.0.0.8:443, 3 ESTABLISHED; and from 127.0.0.1 to
// 127.0.0.1:8080, 2 ESTABLISHED and 30 TIME_WAIT, which tcp_tw_reuse 2
// lets connect() take over.
func PortsSnapshot(n int) *model.Snapshot {
	const ns = 4026532000
	tcp := func(state model.State, local, remote string) model.Socket {
		return model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: state,
			Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort(remote), NetNS: ns}
	}
	listen := tcp(model.StateListen, "0.0.0.0:40100", "0.0.0.0:0")
	listen.SendQ = 128
	full := tcp(model.StateListen, "0.0.0.0:8080", "0.0.0.0:0")
	full.RecvQ, full.SendQ = 129, 128
	socks := []model.Socket{listen, full, tcp(model.StateEstablished, "10.0.0.5:40001", "10.0.0.7:6379")}

	var ports []int
	for p := 40000; p <= 40198; p += 2 {
		if p != 40100 {
			ports = append(ports, p)
		}
	}
	for p := 40003; len(ports) < n; p += 2 {
		ports = append(ports, p)
	}
	for i, p := range ports[:n] {
		state := model.StateTimeWait
		switch {
		case i < 20:
			state = model.StateEstablished
		case i < 24:
			state = model.StateSynSent
		}
		socks = append(socks, tcp(state, fmt.Sprintf("10.0.0.5:%d", p), "10.0.0.9:5432"))
	}
	for _, p := range []int{40000, 40002, 40004} {
		socks = append(socks, tcp(model.StateEstablished, fmt.Sprintf("10.0.0.5:%d", p), "10.0.0.8:443"))
	}
	for i := range 32 {
		state := model.StateTimeWait
		if i < 2 {
			state = model.StateEstablished
		}
		socks = append(socks, tcp(state, fmt.Sprintf("127.0.0.1:%d", 40010+2*i), "127.0.0.1:8080"))
	}
	return &model.Snapshot{
		Sockets: socks, Taken: Taken, Source: model.SourceNetlink, NetNS: ns,
		Host: model.HostFacts{
			Ephemeral: model.PortRange{Lo: 40000, Hi: 40199},
			Settings: model.NetSettings{
				Read: true, UnprivilegedPortStart: 1024, TCPTwReuse: 2, TCPTwReuseDelay: -1, TCPTimestamps: 1,
				TCPFinTimeout: 30 * time.Second, TCPMaxTwBuckets: 262144, Somaxconn: 4096,
				ConntrackCount: -1, ConntrackMax: -1,
			},
			Counters: model.NetCounters{
				Read: true, TW: 123456, TWRecycled: 789, ListenOverflows: 42, ListenDrops: 42,
				ActiveOpens: 250000, PassiveOpens: 1200, AttemptFails: 17, CurrEstab: 23,
			},
		},
	}
}

// PortsReport is the report on PortsSnapshot(169): the pool to
// 10.0.0.9:5432 at 85% (169 of 198).
func PortsReport() *analyze.PortsReport {
	th := analyze.DefaultThresholds()
	snap := PortsSnapshot(169)
	return analyze.Ports(snap, analyze.Destinations(snap, nil, 0, th), model.NetCounters{}, 0, th)
}

// PortsReportInterval is the report on two samples 5 s apart: the pool
// to 10.0.0.9:5432 grew from 159 to 169 ports, and the counters rose
// (ListenOverflows by 2).
func PortsReportInterval() *analyze.PortsReport {
	th := analyze.DefaultThresholds()
	first, second := PortsSnapshot(159), PortsSnapshot(169)
	second.Taken = first.Taken.Add(5 * time.Second)
	before := first.Host.Counters
	before.TW -= 100
	before.ActiveOpens -= 60
	before.PassiveOpens -= 5
	before.ListenOverflows -= 2
	before.ListenDrops -= 2
	before.CurrEstab = 20
	first.Host.Counters = before
	ix := analyze.Destinations(first, nil, 0, th)
	return analyze.Ports(second, analyze.Destinations(second, ix, 5*time.Second, th), before, 5*time.Second, th)
}

// PortsReportClean is a quiet host: one pool of 3 connections, nothing
// found.
func PortsReportClean() *analyze.PortsReport {
	th := analyze.DefaultThresholds()
	snap := PortsSnapshot(0)
	snap.Sockets = snap.Sockets[3:] // no listener, no bound socket
	snap.Sockets = snap.Sockets[:3] // to 10.0.0.8:443 only
	snap.Host.Settings.TCPFinTimeout = analyze.TimeWaitLen
	snap.Host.Settings.ConntrackCount, snap.Host.Settings.ConntrackMax = 1200, 262144
	snap.Host.Counters.ListenOverflows = 0
	return analyze.Ports(snap, analyze.Destinations(snap, nil, 0, th), model.NetCounters{}, 0, th)
}
