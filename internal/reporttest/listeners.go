package reporttest

import (
	"net/netip"

	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// ListenersSnapshot is a host whose ephemeral range is 40000-40199, with
// the listeners of the issue (0.0.0.0:6379, 127.0.0.1:5432, a dual-stack
// :22 held by a program that is not sshd, a UDP wildcard socket, a
// listener in the range), an nginx whose workers share :443, a full accept
// queue, a listener no process was seen holding, and a process whose name
// is an escape sequence.
func ListenersSnapshot() *model.Snapshot {
	const ns = 4026532000
	sock := func(p model.Proto, local string, v6only model.V6Only) model.Socket {
		ap := netip.MustParseAddrPort(local)
		s := model.Socket{Proto: p, Family: model.FamilyInet, State: model.StateListen, Local: ap,
			Remote: netip.AddrPortFrom(netip.IPv4Unspecified(), 0), NetNS: ns, SendQ: 4096}
		if ap.Addr().Is6() {
			s.Family, s.Remote, s.V6Only = model.FamilyInet6, netip.AddrPortFrom(netip.IPv6Unspecified(), 0), v6only
		}
		if p == model.ProtoUDP {
			s.State, s.SendQ = model.StateUnconn, 0
		}
		return s
	}
	full := sock(model.ProtoTCP, "0.0.0.0:8080", 0)
	full.RecvQ, full.SendQ = 511, 511
	nobody := sock(model.ProtoTCP, "[::1]:631", model.V6OnlyOn)
	nobody.UID = 7
	socks := []model.Socket{
		sock(model.ProtoTCP, "0.0.0.0:6379", 0),
		sock(model.ProtoTCP, "127.0.0.1:5432", 0),
		sock(model.ProtoTCP, "[::]:22", model.V6OnlyOff),
		sock(model.ProtoUDP, "0.0.0.0:5000", 0),
		sock(model.ProtoTCP, "0.0.0.0:40100", 0),
		sock(model.ProtoTCP, "[::]:443", model.V6OnlyOn),
		full,
		nobody,
		sock(model.ProtoTCP, "10.0.0.5:9000", 0),
		{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateEstablished, NetNS: ns,
			Local: netip.MustParseAddrPort("127.0.0.1:5432"), Remote: netip.MustParseAddrPort("127.0.0.1:40001")},
	}
	var owners []model.Owner
	own := func(i int, pid int32, comm string) {
		socks[i].Inode = uint64(1000 + i)
		owners = append(owners, model.Owner{Inode: socks[i].Inode, PID: pid, FD: 3, Comm: comm})
	}
	own(0, 201, "redis-server")
	own(1, 202, "postgres")
	own(2, 203, "nc")
	own(3, 204, "\x1b]0;pwned\x07udpd")
	own(4, 205, "app")
	for pid := int32(300); pid < 305; pid++ {
		own(5, pid, "nginx")
	}
	own(6, 206, "java")
	own(8, 208, "app")
	socks[7].Inode = 1007 // held by a process that could not be seen
	return &model.Snapshot{
		Sockets: socks, Taken: Taken, Source: model.SourceNetlink, NetNS: ns,
		Owners: model.NewOwners(owners, 1),
		Host: model.HostFacts{
			Ephemeral: model.PortRange{Lo: 40000, Hi: 40199},
			Settings:  model.NetSettings{Read: true, UnprivilegedPortStart: 1024, Somaxconn: 4096},
		},
	}
}

// ListenersReport is the audit of snap by conntab's own rules, with uid 0
// named root and 7 lp.
func ListenersReport(snap *model.Snapshot) *audit.ListenerReport {
	users := map[uint32]string{0: "root", 7: "lp"}
	l := names.Labeler{Services: names.DefaultServices(), Host: &snap.Host, Snapshot: snap,
		UserName: func(uid uint32) (string, bool) { n, ok := users[uid]; return n, ok }}
	return audit.Audit(snap, l, audit.DefaultAuditRules())
}
