package tui

import (
	"math"
	"net/netip"
	"time"

	"github.com/conntab/conntab/model"
)

// hostileFixture is a snapshot whose numbers are as wide as the kernel
// makes them: queues of 2^32-1, the largest pid, uids without a name,
// IPv6 endpoints of 46 cells, a 1024-65535 ephemeral range, thousands of
// TIME_WAIT sockets, a listener with two findings held by a program with
// a digit in its name, sockets of processes that could not be inspected,
// and counters that grow by millions a second (later is the sample five
// seconds on).
func hostileFixture(at time.Time, later bool) *model.Snapshot {
	ap := netip.MustParseAddrPort
	const maxPID = 4194303
	var socks []model.Socket
	var owners []model.Owner
	cookie, inode := uint64(1<<40), uint64(1<<31)
	add := func(s model.Socket, pid int32, comm string) {
		cookie++
		s.Cookie = cookie
		if s.Family == 0 {
			s.Family = model.FamilyInet
			if s.Local.Addr().Is6() && !s.Local.Addr().Is4In6() {
				s.Family = model.FamilyInet6
			}
		}
		if s.Proto == 0 {
			s.Proto = model.ProtoTCP
		}
		if s.State != model.StateTimeWait {
			inode++
			s.Inode = inode
			if pid != 0 {
				owners = append(owners, model.Owner{Inode: inode, PID: pid, FD: int32(1000 + len(owners)), Comm: comm})
			}
		}
		socks = append(socks, s)
	}
	// Redis's port held by python3 on every interface: EXPOSED and
	// PROGRAM; a full accept queue of the largest backlog.
	add(model.Socket{State: model.StateListen, Local: ap("0.0.0.0:6379"), Remote: ap("0.0.0.0:0"), SendQ: math.MaxUint32, RecvQ: math.MaxUint32, UID: 4294967294}, maxPID, "python3")
	add(model.Socket{State: model.StateListen, Local: ap("[2001:db8:1234:5678:9abc:def0:1234:5678]:65535"), Remote: ap("[::]:0"), SendQ: 4096, UID: 4294967294, V6Only: model.V6OnlyOn}, maxPID-1, "python3.12-work")
	add(model.Socket{State: model.StateListen, Local: ap("0.0.0.0:22"), Remote: ap("0.0.0.0:0"), SendQ: 128, UID: 0}, 1, "systemd")
	for i := range 8 {
		add(model.Socket{State: model.StateEstablished,
			Local:  netip.AddrPortFrom(netip.MustParseAddr("2001:db8:1234:5678:9abc:def0:1234:5678"), uint16(65535-i)),
			Remote: netip.AddrPortFrom(netip.MustParseAddr("2001:db8:ffff:ffff:ffff:ffff:ffff:ff99"), uint16(60000+i*1111)),
			RecvQ:  math.MaxUint32 - uint32(i), SendQ: math.MaxUint32, UID: 4294967294,
			Timer: model.Timer{Kind: model.TimerKeepalive, Expires: 7199*time.Second + time.Duration(i)*time.Second, Retrans: 255}}, maxPID-2, "python3.12-work")
	}
	// 2950 TIME_WAIT sockets and 120 established ones to one database.
	for i := range 2950 {
		add(model.Socket{State: model.StateTimeWait, Local: netip.AddrPortFrom(netip.MustParseAddr("10.200.200.200"), uint16(30000+i)), Remote: ap("192.168.255.254:65432"),
			Timer: model.Timer{Kind: model.TimerTimewait, Expires: time.Duration(1+i%59) * time.Second}}, 0, "")
	}
	for i := range 120 {
		add(model.Socket{State: model.StateEstablished, Local: netip.AddrPortFrom(netip.MustParseAddr("10.200.200.200"), uint16(40000+i)), Remote: ap("192.168.255.254:65432"),
			SendQ: uint32(i) * 35791394, UID: 1000}, maxPID-3, "worker")
	}
	// CLOSE_WAIT, and sockets of processes that could not be inspected.
	for i := range 333 {
		add(model.Socket{State: model.StateCloseWait, Local: netip.AddrPortFrom(netip.MustParseAddr("10.200.200.200"), uint16(50000+i)), Remote: ap("172.31.255.255:11211"), RecvQ: 1 + uint32(i)*12345, UID: 1000}, maxPID-3, "worker")
	}
	for i := range 77 {
		add(model.Socket{State: model.StateEstablished, Local: netip.AddrPortFrom(netip.MustParseAddr("10.200.200.200"), uint16(20000+i)), Remote: ap("203.0.113.254:443"), UID: 0}, 0, "")
	}
	snap := &model.Snapshot{
		Sockets: socks, Taken: at, Duration: 1234567 * time.Microsecond, Source: model.SourceNetlink,
		NetNS: 4026532999, Owners: model.NewOwners(owners, 12),
		Host: model.HostFacts{Ephemeral: model.PortRange{Lo: 1024, Hi: 65535}},
	}
	snap.Host.Settings = model.NetSettings{
		Read: true, UnprivilegedPortStart: 1024, TCPTwReuse: 0, TCPTwReuseDelay: -1, TCPTimestamps: 1,
		TCPFinTimeout: 60 * time.Second, TCPMaxTwBuckets: 262144, Somaxconn: 65535, ConntrackCount: 1234567, ConntrackMax: 2097152,
	}
	c := model.NetCounters{Read: true, TW: 9876543210, TWRecycled: 123456789, TWKilled: 4, ListenOverflows: 3000000000, ListenDrops: 3000000000,
		ActiveOpens: 123456789012, PassiveOpens: 5000, AttemptFails: 1200000, CurrEstab: 205}
	if later {
		c.TW += 12345678
		c.ListenOverflows += 2222222
		c.ActiveOpens += 98765432
		c.AttemptFails += 55555
	}
	snap.Host.Counters = c
	return snap
}
