// Package modeltest builds the sockets and hosts that the analysis,
// audit, naming and rendering packages' tests share. It is for tests only.
package modeltest

import (
	"net/netip"
	"time"

	"github.com/conntab/conntab/model"
)

// LinuxDefault is the kernel's default ip_local_port_range.
func LinuxDefault() model.HostFacts {
	return model.HostFacts{Ephemeral: model.PortRange{Lo: 32768, Hi: 60999}}
}

// Sock builds a socket from "addr:port" strings; the family follows the
// local address.
func Sock(proto model.Proto, state model.State, local, remote string) model.Socket {
	l, r := netip.MustParseAddrPort(local), netip.MustParseAddrPort(remote)
	fam := model.FamilyInet
	if l.Addr().Is6() {
		fam = model.FamilyInet6
	}
	return model.Socket{Local: l, Remote: r, Proto: proto, Family: fam, State: state}
}

// MappedSock is Sock for a dual-stack IPv6 TCP socket talking IPv4:
// collect stores its addresses unmapped and keeps FamilyInet6.
func MappedSock(state model.State, local, remote string) model.Socket {
	s := Sock(model.ProtoTCP, state, local, remote)
	s.Family = model.FamilyInet6
	return s
}

// ConnectPort is the i-th port connect() hands out to one destination
// from an empty range r: those of the low end's parity first, then the
// others (the kernel starts at a varying point; conntab does not care).
func ConnectPort(r model.PortRange, i int) uint16 {
	first := (r.Size() + 1) / 2
	if i < first {
		return r.Lo + uint16(2*i)
	}
	return r.Lo + 1 + uint16(2*(i-first))
}

// PortsHost is a 200-port range with every setting read, at the kernel's
// defaults except tcp_tw_reuse, which is off so that TIME_WAIT blocks.
func PortsHost() model.HostFacts {
	return model.HostFacts{
		Ephemeral: model.PortRange{Lo: 40000, Hi: 40199},
		Settings: model.NetSettings{Read: true, UnprivilegedPortStart: 1024, TCPTwReuse: 0, TCPTwReuseDelay: 1000,
			TCPTimestamps: 1, TCPFinTimeout: 60 * time.Second, TCPMaxTwBuckets: 262144, Somaxconn: 4096,
			ConntrackCount: -1, ConntrackMax: -1},
		Counters: model.NetCounters{Read: true},
	}
}

// PoolSockets returns n TCP sockets in state from local to remote on the
// ports connect() hands out in h's range, from the from-th on.
func PoolSockets(h model.HostFacts, n int, state model.State, local, remote string, from int) []model.Socket {
	out := make([]model.Socket, n)
	for i := range out {
		ap := netip.AddrPortFrom(netip.MustParseAddr(local), ConnectPort(h.Ephemeral, from+i))
		out[i] = Sock(model.ProtoTCP, state, ap.String(), remote)
	}
	return out
}
