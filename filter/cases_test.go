package filter

import (
	"net/netip"

	"github.com/conntab/conntab/model"
)

// A case is an expression and, written independently in plain Go, what it
// selects. ss marks expressions ss understands the same way, which the
// kernel test runs through ss on a real namespace.
type filterCase struct {
	expr string
	want func(s *model.Socket) bool
	ss   bool
}

func port(ap netip.AddrPort) uint16 { return ap.Port() }

func inNet(ap netip.AddrPort, prefix string) bool {
	return netip.MustParsePrefix(prefix).Contains(ap.Addr())
}

func st(states ...model.State) func(*model.Socket) bool {
	return func(s *model.Socket) bool {
		for _, x := range states {
			if s.State == x {
				return true
			}
		}
		return false
	}
}

var (
	listening = st(model.StateListen)
	connected = func(s *model.Socket) bool {
		return !st(model.StateListen, model.StateClose, model.StateUnconn, model.StateBoundInactive)(s)
	}
)

// Cases use the ports of nstest.BuildKnownSet: listeners on 8001 (IPv4),
// 8002 (IPv6 only), 8003 (dual-stack), 8004 (backlog 0), a bound-only
// socket on 8005, UDP on 5300 and 5301; clients on ephemeral ports.
var cases = []filterCase{
	// States and groups.
	{"", func(*model.Socket) bool { return true }, true},
	{"state all", func(*model.Socket) bool { return true }, true},
	{"state listening", listening, true},
	{"state listen", listening, false},
	{"state established", st(model.StateEstablished), true},
	{"state time-wait", st(model.StateTimeWait), true},
	{"state TIME_WAIT", st(model.StateTimeWait), false},
	{"state syn-sent", st(model.StateSynSent), true},
	{"state close-wait", st(model.StateCloseWait), true},
	{"state fin-wait-2", st(model.StateFinWait2), true},
	{"state FIN_WAIT2", st(model.StateFinWait2), false},
	{"state fin-wait-1", st(model.StateFinWait1), true},
	{"state syn-recv", st(model.StateSynRecv, model.StateNewSynRecv), true},
	{"state last-ack", st(model.StateLastAck), true},
	{"state closing", st(model.StateClosing), true},
	{"state closed", st(model.StateClose, model.StateUnconn, model.StateBoundInactive), true},
	{"state unconn", st(model.StateUnconn), false},
	{"state bound-inactive", st(model.StateBoundInactive), false},
	{"state connected", connected, true},
	{"state synchronized", func(s *model.Socket) bool { return connected(s) && s.State != model.StateSynSent }, true},
	{"state bucket", st(model.StateSynRecv, model.StateNewSynRecv, model.StateTimeWait), true},
	{"state big", func(s *model.Socket) bool {
		return !st(model.StateSynRecv, model.StateNewSynRecv, model.StateTimeWait)(s)
	}, true},
	{"state established state time-wait", st(model.StateEstablished, model.StateTimeWait), true},
	{"exclude listening", func(s *model.Socket) bool { return !listening(s) }, true},
	{"exclude listening exclude closed", connected, true},
	{"state connected exclude established", func(s *model.Socket) bool { return connected(s) && s.State != model.StateEstablished }, true},
	{"exclude all", func(*model.Socket) bool { return false }, false},

	// Ports.
	{"sport = :8001", func(s *model.Socket) bool { return port(s.Local) == 8001 }, true},
	{"sport == :8001", func(s *model.Socket) bool { return port(s.Local) == 8001 }, true},
	{"sport eq :8001", func(s *model.Socket) bool { return port(s.Local) == 8001 }, true},
	{"dport = :8001", func(s *model.Socket) bool { return port(s.Remote) == 8001 }, true},
	{"dport != :8001", func(s *model.Socket) bool { return port(s.Remote) != 8001 }, true},
	{"dport ne :8001", func(s *model.Socket) bool { return port(s.Remote) != 8001 }, true},
	{"sport < :8003", func(s *model.Socket) bool { return port(s.Local) < 8003 }, true},
	{"sport lt :8003", func(s *model.Socket) bool { return port(s.Local) < 8003 }, true},
	{"sport <= :8003", func(s *model.Socket) bool { return port(s.Local) <= 8003 }, true},
	{"sport le :8003", func(s *model.Socket) bool { return port(s.Local) <= 8003 }, true},
	{"sport > :8003", func(s *model.Socket) bool { return port(s.Local) > 8003 }, true},
	{"sport gt :8003", func(s *model.Socket) bool { return port(s.Local) > 8003 }, true},
	{"sport >= :8003", func(s *model.Socket) bool { return port(s.Local) >= 8003 }, true},
	{"sport ge :8003", func(s *model.Socket) bool { return port(s.Local) >= 8003 }, true},
	{"dport >= :5300 and dport <= :5301", func(s *model.Socket) bool { return port(s.Remote) >= 5300 && port(s.Remote) <= 5301 }, true},
	{"dport = :0", func(s *model.Socket) bool { return port(s.Remote) == 0 }, true},
	{"port = :8004", func(s *model.Socket) bool { return port(s.Local) == 8004 || port(s.Remote) == 8004 }, false},
	{"port :5300", func(s *model.Socket) bool { return port(s.Local) == 5300 || port(s.Remote) == 5300 }, false},
	{"sport = :domain", func(s *model.Socket) bool { return port(s.Local) == 53 }, false},

	// Addresses.
	{"src 127.0.0.1", func(s *model.Socket) bool { return s.Local.Addr() == netip.MustParseAddr("127.0.0.1") }, true},
	{"dst 127.0.0.1", func(s *model.Socket) bool { return s.Remote.Addr() == netip.MustParseAddr("127.0.0.1") }, true},
	{"src ::1", func(s *model.Socket) bool { return s.Local.Addr() == netip.IPv6Loopback() }, false}, // ss wants brackets
	{"src [::1]:8002", func(s *model.Socket) bool { return s.Local == netip.MustParseAddrPort("[::1]:8002") }, true},
	{"dst [::1]:8003", func(s *model.Socket) bool { return s.Remote == netip.MustParseAddrPort("[::1]:8003") }, true},
	{"src 127.0.0.0/8", func(s *model.Socket) bool { return inNet(s.Local, "127.0.0.0/8") }, true},
	{"src 127.0.0.1:8001", func(s *model.Socket) bool { return s.Local == netip.MustParseAddrPort("127.0.0.1:8001") }, true},
	{"dst 127.0.0.1:8004", func(s *model.Socket) bool { return s.Remote == netip.MustParseAddrPort("127.0.0.1:8004") }, true},
	{"src *:8003", func(s *model.Socket) bool { return port(s.Local) == 8003 }, true},
	{"src 127.0.0.1:*", func(s *model.Socket) bool { return s.Local.Addr() == netip.MustParseAddr("127.0.0.1") }, true},
	{"dst = ::/0", func(s *model.Socket) bool { return s.Family == model.FamilyInet6 }, true},
	{"src ::ffff:0.0.0.0/96", func(s *model.Socket) bool { return s.Family == model.FamilyInet6 && s.Local.Addr().Is4() }, false}, // ss reads the colons as a port
	{"src 10.0.0.0/8", func(s *model.Socket) bool { return inNet(s.Local, "10.0.0.0/8") }, false},
	{"src ::ffff:127.0.0.1", func(s *model.Socket) bool {
		return s.Family == model.FamilyInet6 && s.Local.Addr() == netip.MustParseAddr("127.0.0.1")
	}, false}, // ss reads the colons as a port

	// Boolean structure.
	{"sport = :8001 or dport = :8001", func(s *model.Socket) bool { return port(s.Local) == 8001 || port(s.Remote) == 8001 }, true},
	{"sport = :8001 || dport = :8001", func(s *model.Socket) bool { return port(s.Local) == 8001 || port(s.Remote) == 8001 }, true},
	{"sport = :8001 | dport = :8001", func(s *model.Socket) bool { return port(s.Local) == 8001 || port(s.Remote) == 8001 }, true},
	{"sport > :8000 and sport < :8004", func(s *model.Socket) bool { return port(s.Local) > 8000 && port(s.Local) < 8004 }, true},
	{"sport > :8000 && sport < :8004", func(s *model.Socket) bool { return port(s.Local) > 8000 && port(s.Local) < 8004 }, true},
	{"sport > :8000 & sport < :8004", func(s *model.Socket) bool { return port(s.Local) > 8000 && port(s.Local) < 8004 }, true},
	{"sport > :8000 sport < :8004", func(s *model.Socket) bool { return port(s.Local) > 8000 && port(s.Local) < 8004 }, true},
	{"not sport = :8001", func(s *model.Socket) bool { return port(s.Local) != 8001 }, true},
	{"! sport = :8001", func(s *model.Socket) bool { return port(s.Local) != 8001 }, true},
	{"not ( sport = :8001 or dport = :8001 )", func(s *model.Socket) bool { return port(s.Local) != 8001 && port(s.Remote) != 8001 }, true},
	{"( dport = :8001 or sport = :8001 ) and not sport = :8001", func(s *model.Socket) bool { return port(s.Remote) == 8001 && port(s.Local) != 8001 }, true},
	// As in ss, and and or bind equally, from the left.
	{"sport = :8001 or sport = :8002 and dport = :0", func(s *model.Socket) bool {
		return (port(s.Local) == 8001 || port(s.Local) == 8002) && port(s.Remote) == 0
	}, true},
	{"dport = :0 and sport = :8001 or sport = :8002", func(s *model.Socket) bool {
		return port(s.Remote) == 0 && port(s.Local) == 8001 || port(s.Local) == 8002
	}, true},
	{"sport = :8001 or ( sport = :8002 and dport = :0 )", func(s *model.Socket) bool {
		return port(s.Local) == 8001 || port(s.Local) == 8002 && port(s.Remote) == 0
	}, true},
	{"(sport = :8001 or sport = :8002) and dport = :0", func(s *model.Socket) bool {
		return (port(s.Local) == 8001 || port(s.Local) == 8002) && port(s.Remote) == 0
	}, true},
	{"state time-wait ( dport = :8001 or sport = :8001 )", func(s *model.Socket) bool {
		return s.State == model.StateTimeWait && (port(s.Remote) == 8001 || port(s.Local) == 8001)
	}, true},
	{"state established dport = :8004", func(s *model.Socket) bool { return s.State == model.StateEstablished && port(s.Remote) == 8004 }, true},
	{"exclude time-wait sport > :8000", func(s *model.Socket) bool { return s.State != model.StateTimeWait && port(s.Local) > 8000 }, true},
	{"state listening src [::]:8003", func(s *model.Socket) bool { return listening(s) && s.Local == netip.MustParseAddrPort("[::]:8003") }, true},

	// Ours.
	{"proto tcp", func(s *model.Socket) bool { return s.Proto == model.ProtoTCP }, false},
	{"proto udp and dport != :0", func(s *model.Socket) bool { return s.Proto == model.ProtoUDP && port(s.Remote) != 0 }, false},
	{"class ephemeral", func(s *model.Socket) bool {
		return port(s.Local) >= 32768 && port(s.Local) <= 60999 || port(s.Remote) >= 32768 && port(s.Remote) <= 60999
	}, false},
	{"class registered and not class ephemeral", func(s *model.Socket) bool {
		eph := func(p uint16) bool { return p >= 32768 && p <= 60999 }
		reg := func(p uint16) bool { return p >= 1024 && p < 49152 && !eph(p) }
		return (reg(port(s.Local)) || reg(port(s.Remote))) && !eph(port(s.Local)) && !eph(port(s.Remote))
	}, false},
	{"class well-known", func(s *model.Socket) bool {
		return port(s.Local) != 0 && port(s.Local) < 1024 || port(s.Remote) != 0 && port(s.Remote) < 1024
	}, false},
	{"service domain", func(s *model.Socket) bool { return port(s.Local) == 53 && s.State == model.StateUnconn }, false},
	{"uid 1000", func(s *model.Socket) bool { return s.UID == 1000 }, false},
	{"uid = 0 and proto udp", func(s *model.Socket) bool { return s.UID == 0 && s.Proto == model.ProtoUDP }, false},
	// Who holds the socket (fixedOwners): nginx the 8001 listener and its
	// accepted socket, curl (pid 20) the client, and curl (pid 21) the
	// TIME_WAIT's connection before it closed.
	{"process nginx", func(s *model.Socket) bool { return s.Inode == 100 || s.Inode == 101 }, false},
	{"process curl", func(s *model.Socket) bool { return s.Inode == 102 || s.State == model.StateTimeWait }, false},
	{"pid 20", func(s *model.Socket) bool { return s.Inode == 102 }, false},
	{"state listening pid = 10", func(s *model.Socket) bool { return s.Inode == 100 }, false},
	{"not process nginx and sport = :8001", func(s *model.Socket) bool { return port(s.Local) == 8001 && s.Inode != 101 && s.Inode != 100 }, false},
}
