package model

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// linuxDefault is the kernel's default ip_local_port_range.
var linuxDefault = HostFacts{Ephemeral: PortRange{32768, 60999}}

func TestLabelerPort(t *testing.T) {
	svc := DefaultServices()
	narrow := HostFacts{Ephemeral: PortRange{1024, 1024}}
	tests := []struct {
		name  string
		host  *HostFacts
		proto Proto
		port  uint16
		want  Label
	}{
		{"ssh", &linuxDefault, ProtoTCP, 22, Label{ClassWellKnown, "ssh"}},
		{"dns over udp", &linuxDefault, ProtoUDP, 53, Label{ClassWellKnown, "domain"}},
		{"last well-known", &linuxDefault, ProtoTCP, 1023, Label{ClassWellKnown, ""}},
		{"first registered", &linuxDefault, ProtoTCP, 1024, Label{ClassRegistered, ""}},
		{"http-alt", &linuxDefault, ProtoTCP, 8080, Label{ClassRegistered, "http-alt"}},
		{"below ephemeral", &linuxDefault, ProtoTCP, 32767, Label{ClassRegistered, ""}},
		{"ephemeral low edge", &linuxDefault, ProtoTCP, 32768, Label{ClassEphemeral, ""}},
		{"named port inside range", &linuxDefault, ProtoTCP, 33060, Label{ClassEphemeral, "mysqlx"}},
		{"ephemeral inside IANA registered", &linuxDefault, ProtoTCP, 40000, Label{ClassEphemeral, ""}},
		{"ephemeral inside IANA dynamic", &linuxDefault, ProtoTCP, 49152, Label{ClassEphemeral, ""}},
		{"ephemeral high edge", &linuxDefault, ProtoTCP, 60999, Label{ClassEphemeral, ""}},
		{"above ephemeral", &linuxDefault, ProtoTCP, 61000, Label{ClassDynamic, ""}},
		{"last port", &linuxDefault, ProtoTCP, 65535, Label{ClassDynamic, ""}},
		{"port 0", &linuxDefault, ProtoTCP, 0, Label{ClassWellKnown, ""}},
		{"zero range: IANA registered", &HostFacts{}, ProtoTCP, 40000, Label{ClassRegistered, ""}},
		{"zero range: IANA dynamic", &HostFacts{}, ProtoTCP, 50000, Label{ClassDynamic, ""}},
		{"zero range: port 0", &HostFacts{}, ProtoTCP, 0, Label{ClassWellKnown, ""}},
		{"inverted range is empty", &HostFacts{Ephemeral: PortRange{60999, 32768}}, ProtoTCP, 40000, Label{ClassRegistered, ""}},
		{"one-port range", &narrow, ProtoTCP, 1024, Label{ClassEphemeral, ""}},
		{"nil host", nil, ProtoTCP, 40000, Label{ClassRegistered, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Labeler{Services: svc, Host: tt.host}.Port(tt.proto, tt.port)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Port(%s, %d) (-want +got):\n%s", tt.proto, tt.port, diff)
			}
		})
	}
}

func TestLabelerPortNoServices(t *testing.T) {
	got := Labeler{Host: &linuxDefault}.Port(ProtoTCP, 22)
	if diff := cmp.Diff(Label{Class: ClassWellKnown}, got); diff != "" {
		t.Errorf("Port without Services (-want +got):\n%s", diff)
	}
}

// sock builds a socket from "addr:port" strings; the family follows the
// local address unless mapped says it is a dual-stack IPv6 socket.
func sock(proto Proto, state State, local, remote string) Socket {
	l, r := netip.MustParseAddrPort(local), netip.MustParseAddrPort(remote)
	fam := FamilyInet
	if l.Addr().Is6() {
		fam = FamilyInet6
	}
	return Socket{Local: l, Remote: r, Proto: proto, Family: fam, State: state}
}

func TestLabelerService(t *testing.T) {
	mapped := sock(ProtoTCP, StateEstablished, "10.0.0.1:5432", "10.0.0.9:41000")
	mapped.Family = FamilyInet6 // a dual-stack socket, addresses stored unmapped
	tests := []struct {
		name string
		host *HostFacts
		s    Socket
		want string
	}{
		// The example.
		{"client to http-alt", &linuxDefault, sock(ProtoTCP, StateEstablished, "127.0.0.1:40000", "127.0.0.1:8080"), "http-alt"},
		{"server side of it", &linuxDefault, sock(ProtoTCP, StateEstablished, "127.0.0.1:8080", "127.0.0.1:40000"), "http-alt"},
		{"v6 client to https", &linuxDefault, sock(ProtoTCP, StateEstablished, "[2001:db8::1]:51000", "[2001:db8::2]:443"), "https"},
		{"v6 ssh server", &linuxDefault, sock(ProtoTCP, StateEstablished, "[fe80::1%eth0]:22", "[fe80::2%eth0]:50123"), "ssh"},
		{"v4-mapped postgres server", &linuxDefault, mapped, "postgresql"},

		// LISTEN and UNCONN: the local port, whatever the remote.
		{"listen", &linuxDefault, sock(ProtoTCP, StateListen, "0.0.0.0:22", "0.0.0.0:0"), "ssh"},
		{"listen v6", &linuxDefault, sock(ProtoTCP, StateListen, "[::]:443", "[::]:0"), "https"},
		{"listen unnamed", &linuxDefault, sock(ProtoTCP, StateListen, "0.0.0.0:12345", "0.0.0.0:0"), ""},
		{"listen ignores remote", &linuxDefault, sock(ProtoTCP, StateListen, "0.0.0.0:12345", "0.0.0.0:22"), ""},
		{"unconn dns", &linuxDefault, sock(ProtoUDP, StateUnconn, "127.0.0.53:53", "0.0.0.0:0"), "domain"},
		{"unconn mdns v6", &linuxDefault, sock(ProtoUDP, StateUnconn, "[::]:5353", "[::]:0"), "mdns"},
		{"unconn ignores remote", &linuxDefault, sock(ProtoUDP, StateUnconn, "0.0.0.0:40000", "10.0.0.1:53"), ""},

		// Connected: the one named side.
		{"udp client to dns", &linuxDefault, sock(ProtoUDP, StateEstablished, "10.0.0.5:45000", "10.0.0.1:53"), "domain"},
		{"udp name not borrowed from tcp", &linuxDefault, sock(ProtoUDP, StateEstablished, "10.0.0.5:45000", "10.0.0.1:22"), ""},
		{"time-wait server side", &linuxDefault, sock(ProtoTCP, StateTimeWait, "10.0.0.1:25", "10.0.0.2:33000"), "smtp"},
		{"syn-sent", &linuxDefault, sock(ProtoTCP, StateSynSent, "10.0.0.1:55555", "10.0.0.2:6379"), "redis"},
		{"neither named", &linuxDefault, sock(ProtoTCP, StateEstablished, "10.0.0.1:40000", "10.0.0.2:40001"), ""},
		{"tcp close, bound only", &linuxDefault, sock(ProtoTCP, StateClose, "0.0.0.0:873", "0.0.0.0:0"), "rsync"},
		{"remote port 0 never named", &linuxDefault, sock(ProtoTCP, StateEstablished, "10.0.0.1:40000", "10.0.0.2:0"), ""},

		// Both named: the side outside the ephemeral range.
		{"named ephemeral local", &linuxDefault, sock(ProtoTCP, StateEstablished, "10.0.0.1:33060", "10.0.0.2:443"), "https"},
		{"named ephemeral remote", &linuxDefault, sock(ProtoTCP, StateEstablished, "10.0.0.1:443", "10.0.0.2:33060"), "https"},
		{"ephemeral beats lower port", &linuxDefault, sock(ProtoTCP, StateEstablished, "10.0.0.1:33060", "10.0.0.2:51820"), "mysqlx"},
		// Still tied: the lower port.
		{"both fixed, lower wins", &linuxDefault, sock(ProtoTCP, StateEstablished, "10.0.0.1:3306", "10.0.0.2:22"), "ssh"},
		{"both fixed, lower local", &linuxDefault, sock(ProtoTCP, StateEstablished, "10.0.0.1:22", "10.0.0.2:3306"), "ssh"},
		{"both ephemeral, lower wins", &HostFacts{Ephemeral: PortRange{1024, 65535}}, sock(ProtoTCP, StateEstablished, "10.0.0.1:8080", "10.0.0.2:5432"), "postgresql"},
		{"same port both sides", &linuxDefault, sock(ProtoUDP, StateEstablished, "10.0.0.1:123", "10.0.0.2:123"), "ntp"},
		{"no range: lower wins", &HostFacts{}, sock(ProtoTCP, StateEstablished, "10.0.0.1:33060", "10.0.0.2:443"), "https"},
		{"nil host: lower wins", nil, sock(ProtoTCP, StateEstablished, "10.0.0.1:443", "10.0.0.2:33060"), "https"},
		// Range edges: the lower port, 27017, loses only when the range
		// holds it.
		{"range low edge in", &HostFacts{Ephemeral: PortRange{27017, 30000}}, sock(ProtoTCP, StateEstablished, "10.0.0.1:33060", "10.0.0.2:27017"), "mysqlx"},
		{"range low edge out", &HostFacts{Ephemeral: PortRange{27018, 30000}}, sock(ProtoTCP, StateEstablished, "10.0.0.1:33060", "10.0.0.2:27017"), "mongodb"},
		{"range high edge in", &HostFacts{Ephemeral: PortRange{20000, 27017}}, sock(ProtoTCP, StateEstablished, "10.0.0.1:33060", "10.0.0.2:27017"), "mysqlx"},
		{"range high edge out", &HostFacts{Ephemeral: PortRange{20000, 27016}}, sock(ProtoTCP, StateEstablished, "10.0.0.1:33060", "10.0.0.2:27017"), "mongodb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := Labeler{Services: DefaultServices(), Host: tt.host}
			if diff := cmp.Diff(tt.want, l.Service(&tt.s)); diff != "" {
				t.Errorf("Service(%s %s %s -> %s) (-want +got):\n%s", tt.s.Proto, tt.s.State, tt.s.Local, tt.s.Remote, diff)
			}
		})
	}
}

func TestLabelerServiceNoServices(t *testing.T) {
	s := sock(ProtoTCP, StateListen, "0.0.0.0:22", "0.0.0.0:0")
	if got := (Labeler{}).Service(&s); got != "" {
		t.Errorf("zero Labeler Service = %q, want \"\"", got)
	}
}

// benchSockets is a host-like mix: a few listeners, many clients on
// ephemeral ports, some server-side connections.
func benchSockets() []Socket {
	remotes := []uint16{443, 80, 5432, 6379, 8080, 53, 40000, 9092}
	var out []Socket
	for i := range 4096 {
		eph := uint16(32768 + i%28000)
		switch i % 8 {
		case 0:
			out = append(out, sock(ProtoTCP, StateListen, fmt.Sprintf("0.0.0.0:%d", remotes[i/8%len(remotes)]), "0.0.0.0:0"))
		case 1:
			out = append(out, sock(ProtoTCP, StateEstablished, "10.0.0.1:22", fmt.Sprintf("10.0.0.2:%d", eph)))
		case 2:
			out = append(out, sock(ProtoUDP, StateUnconn, fmt.Sprintf("[::]:%d", eph), "[::]:0"))
		default:
			out = append(out, sock(ProtoTCP, StateEstablished, fmt.Sprintf("[2001:db8::1]:%d", eph), fmt.Sprintf("[2001:db8::2]:%d", remotes[i%len(remotes)])))
		}
	}
	return out
}

func BenchmarkLabelerService(b *testing.B) {
	socks := benchSockets()
	l := Labeler{Services: DefaultServices(), Host: &linuxDefault}
	var n int
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		n += len(l.Service(&socks[i%len(socks)]))
		i++
	}
	if n == 0 {
		b.Fatal("no services found")
	}
}

func BenchmarkLabelerPort(b *testing.B) {
	l := Labeler{Services: DefaultServices(), Host: &linuxDefault}
	b.ReportAllocs()
	var port uint16
	var n int
	for b.Loop() {
		n += len(l.Port(ProtoTCP, port).Service)
		port += 7
	}
	if n == 0 {
		b.Fatal("no services found")
	}
}
