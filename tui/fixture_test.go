package tui

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/conntab/conntab/filter"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
	"github.com/conntab/conntab/render"
)

// t0 is the fixed snapshots' time.
var t0 = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)

// fixture builds a fixed snapshot: a web server and a database client
// with TIME_WAIT piling up to one database (flagged), CLOSE_WAIT to a
// cache, listeners of every bind scope and with each of the listener
// audit's findings, UDP, IPv6 and v4-mapped sockets, and processes whose
// names hold terminal escape sequences.
func fixture(at time.Time) *model.Snapshot {
	ap := netip.MustParseAddrPort
	host := model.HostFacts{Ephemeral: model.PortRange{Lo: 40000, Hi: 40199}}
	var socks []model.Socket
	var owners []model.Owner
	cookie, inode := uint64(1000), uint64(5000)
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
		if pid != 0 && s.State != model.StateTimeWait {
			inode++
			s.Inode = inode
			owners = append(owners, model.Owner{Inode: inode, PID: pid, FD: int32(3 + len(owners)), Comm: comm})
		}
		socks = append(socks, s)
	}
	// Listeners: all interfaces, one address, loopback, IPv6 dual-stack;
	// one for each of the audit's findings: redis on every interface
	// (exposed), a full accept queue, port 22 held by a program that is
	// not sshd, and a port inside the ephemeral range.
	add(model.Socket{State: model.StateListen, Local: ap("0.0.0.0:80"), Remote: ap("0.0.0.0:0"), SendQ: 511, UID: 33}, 812, "nginx")
	add(model.Socket{State: model.StateListen, Local: ap("[::]:443"), Remote: ap("[::]:0"), SendQ: 511, RecvQ: 2, UID: 33, V6Only: model.V6OnlyOff}, 812, "nginx")
	add(model.Socket{State: model.StateListen, Local: ap("127.0.0.1:5432"), Remote: ap("0.0.0.0:0"), SendQ: 244, UID: 105}, 901, "postgres")
	add(model.Socket{State: model.StateListen, Local: ap("0.0.0.0:6379"), Remote: ap("0.0.0.0:0"), SendQ: 511, UID: 106}, 950, "redis-server")
	add(model.Socket{State: model.StateListen, Local: ap("10.0.0.5:8080"), Remote: ap("0.0.0.0:0"), SendQ: 128, RecvQ: 128, UID: 1000}, 1500, "java")
	add(model.Socket{State: model.StateListen, Local: ap("0.0.0.0:22"), Remote: ap("0.0.0.0:0"), SendQ: 128, UID: 0}, 1444, "\x1b[2Jevil")
	add(model.Socket{State: model.StateListen, Local: ap("0.0.0.0:40100"), Remote: ap("0.0.0.0:0"), SendQ: 16, UID: 1000}, 1333, "\x1b]0;pwned\x07evil")
	// Web clients.
	for i := range 12 {
		add(model.Socket{State: model.StateEstablished, Local: ap("10.0.0.5:443"), Remote: netip.AddrPortFrom(netip.MustParseAddr(fmt.Sprintf("192.0.2.%d", 10+i)), uint16(51000+i*7)), UID: 33,
			Timer: model.Timer{Kind: model.TimerKeepalive, Expires: time.Duration(30+i) * time.Second}}, 812, "nginx")
	}
	// The app's database pool: 20 connections and 170 in TIME_WAIT, all
	// from the 200-port ephemeral range: the pool is 95% used.
	for i := range 20 {
		add(model.Socket{State: model.StateEstablished, Local: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.5"), uint16(40000+i)), Remote: ap("10.0.0.9:5432"), UID: 1000, SendQ: uint32(i * 10)}, 1200, "app")
	}
	for i := range 170 {
		add(model.Socket{State: model.StateTimeWait, Local: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.5"), uint16(40020+i)), Remote: ap("10.0.0.9:5432"),
			Timer: model.Timer{Kind: model.TimerTimewait, Expires: time.Duration(1+i%59) * time.Second}}, 0, "")
	}
	// CLOSE_WAIT to the cache: the app does not close.
	for i := range 24 {
		add(model.Socket{State: model.StateCloseWait, Local: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.5"), uint16(35000+i)), Remote: ap("10.0.0.7:6379"), RecvQ: 1, UID: 1000}, 1200, "app")
	}
	// A v4-mapped client and an IPv6 one.
	add(model.Socket{State: model.StateEstablished, Family: model.FamilyInet6, Local: ap("10.0.0.5:443"), Remote: ap("198.51.100.7:61000"), UID: 33}, 812, "nginx")
	add(model.Socket{State: model.StateEstablished, Local: ap("[2001:db8::5]:443"), Remote: ap("[2001:db8::99]:50123"), UID: 33}, 812, "nginx")
	add(model.Socket{State: model.StateSynSent, Local: ap("10.0.0.5:40190"), Remote: ap("203.0.113.1:443"), UID: 1000,
		Timer: model.Timer{Kind: model.TimerOn, Expires: 900 * time.Millisecond, Retrans: 2}}, 1200, "app")
	add(model.Socket{State: model.StateFinWait2, Local: ap("10.0.0.5:443"), Remote: ap("192.0.2.200:52000"), UID: 33}, 812, "nginx")
	// UDP: a resolver, connected, and a listener.
	add(model.Socket{Proto: model.ProtoUDP, State: model.StateUnconn, Local: ap("127.0.0.53:53"), Remote: ap("0.0.0.0:0"), UID: 101}, 640, "systemd-resolve")
	add(model.Socket{Proto: model.ProtoUDP, State: model.StateEstablished, Local: ap("10.0.0.5:40150"), Remote: ap("10.0.0.1:53"), UID: 1000}, 1200, "app")
	return &model.Snapshot{
		Sockets: socks, Taken: at, Duration: 3 * time.Millisecond, Source: model.SourceNetlink,
		NetNS: 4026531840, Host: host, Owners: model.NewOwners(owners, 0),
	}
}

// fakeSource returns the snapshots it is given in turn, the last again
// and again.
func fakeSource(snaps ...*model.Snapshot) func(context.Context) (*model.Snapshot, error) {
	i := 0
	return func(context.Context) (*model.Snapshot, error) {
		s := snaps[min(i, len(snaps)-1)]
		i++
		return s, nil
	}
}

// testConfig is the dashboard's configuration in tests: fixed names, no
// kernel.
func testConfig(snaps ...*model.Snapshot) Config {
	users := map[uint32]string{0: "root", 33: "www-data", 105: "postgres", 1000: "app"}
	return Config{
		Collect:  fakeSource(snaps...),
		Labeler:  render.Labeler{Labeler: names.Labeler{Services: names.DefaultServices(), UserName: func(uid uint32) (string, bool) { n, ok := users[uid]; return n, ok }}},
		Interval: time.Second,
		Host:     "db-client-1",
		Process: func(pid int32) (model.ProcessDetail, error) {
			return model.ProcessDetail{Cmdline: []string{"/usr/bin/app", "--pool=20"}, Cgroup: "0::/system.slice/app.service"}, nil
		},
	}
}

func mustFilter(s string) *filter.Filter {
	f, err := filter.Parse(s)
	if err != nil {
		panic(err)
	}
	return f
}

// portsFixture is fixture with what the Ports view needs: the settings
// and counters read, a socket bound before connect() (odd port 40197 in
// a pool of its own, whose even ports are free), and the database pool
// at a warning that grows between the first sample and the later one
// (five seconds on): as connect() does, the pool took the range's even
// ports first (94 of 99) and is filling the odd ones.
func portsFixture(at time.Time, later bool) *model.Snapshot {
	snap := fixture(at)
	// The first sample lacks the TIME_WAIT sockets on odd ports from
	// 40161, the later one those from 40171.
	from := uint16(40161)
	if later {
		from = 40171
	}
	socks := snap.Sockets[:0:0]
	for _, s := range snap.Sockets {
		p := s.Local.Port()
		if s.State == model.StateTimeWait && p%2 == 1 && p >= from {
			continue
		}
		// In the later sample, the 18 TIME_WAIT sockets on ports 40153 to
		// 40170 entered TIME_WAIT in the five seconds since the first, as
		// their timers say (3.6 closes a second), and none other did.
		if later && s.State == model.StateTimeWait {
			s.Timer.Expires = min(s.Timer.Expires, 50*time.Second)
			if p >= 40153 && p <= 40170 {
				s.Timer.Expires = 56*time.Second + time.Duration(p-40153)*200*time.Millisecond
			}
		}
		socks = append(socks, s)
	}
	socks = append(socks, model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateEstablished, Cookie: 8000,
		Local: netip.MustParseAddrPort("10.0.0.5:40197"), Remote: netip.MustParseAddrPort("10.0.0.20:8443"), UID: 1000})
	snap.Sockets = socks
	snap.Host.Settings = model.NetSettings{
		Read: true, UnprivilegedPortStart: 1024, TCPTwReuse: 2, TCPTwReuseDelay: -1, TCPTimestamps: 1,
		TCPFinTimeout: 30 * time.Second, TCPMaxTwBuckets: 4096, Somaxconn: 4096, ConntrackCount: 812, ConntrackMax: 262144,
	}
	c := model.NetCounters{Read: true, TW: 91000, TWRecycled: 0, TWKilled: 4, ListenOverflows: 3, ListenDrops: 3,
		ActiveOpens: 120000, PassiveOpens: 5000, AttemptFails: 12, CurrEstab: 35}
	if later {
		c.TW += 15
		c.ListenOverflows += 2
		c.ListenDrops += 2
		c.ActiveOpens += 22
		c.AttemptFails++
	}
	snap.Host.Counters = c
	return snap
}
