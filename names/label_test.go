package names

import (
	"fmt"
	"testing"

	"github.com/conntab/conntab/internal/modeltest"
	"github.com/conntab/conntab/model"
	"github.com/google/go-cmp/cmp"
)

var linuxDefault = modeltest.LinuxDefault()

func TestLabelerPort(t *testing.T) {
	svc := DefaultServices()
	narrow := model.HostFacts{Ephemeral: model.PortRange{Lo: 1024, Hi: 1024}}
	tests := []struct {
		name  string
		host  *model.HostFacts
		proto model.Proto
		port  uint16
		want  Label
	}{
		{"ssh", &linuxDefault, model.ProtoTCP, 22, Label{model.ClassWellKnown, "ssh"}},
		{"dns over udp", &linuxDefault, model.ProtoUDP, 53, Label{model.ClassWellKnown, "domain"}},
		{"last well-known", &linuxDefault, model.ProtoTCP, 1023, Label{model.ClassWellKnown, ""}},
		{"first registered", &linuxDefault, model.ProtoTCP, 1024, Label{model.ClassRegistered, ""}},
		{"http-alt", &linuxDefault, model.ProtoTCP, 8080, Label{model.ClassRegistered, "http-alt"}},
		{"below ephemeral", &linuxDefault, model.ProtoTCP, 32767, Label{model.ClassRegistered, ""}},
		{"ephemeral low edge", &linuxDefault, model.ProtoTCP, 32768, Label{model.ClassEphemeral, ""}},
		{"named port inside range", &linuxDefault, model.ProtoTCP, 33060, Label{model.ClassEphemeral, "mysqlx"}},
		{"ephemeral inside IANA registered", &linuxDefault, model.ProtoTCP, 40000, Label{model.ClassEphemeral, ""}},
		{"ephemeral inside IANA dynamic", &linuxDefault, model.ProtoTCP, 49152, Label{model.ClassEphemeral, ""}},
		{"ephemeral high edge", &linuxDefault, model.ProtoTCP, 60999, Label{model.ClassEphemeral, ""}},
		{"above ephemeral", &linuxDefault, model.ProtoTCP, 61000, Label{model.ClassDynamic, ""}},
		{"last port", &linuxDefault, model.ProtoTCP, 65535, Label{model.ClassDynamic, ""}},
		{"port 0", &linuxDefault, model.ProtoTCP, 0, Label{model.ClassWellKnown, ""}},
		{"zero range: IANA registered", &model.HostFacts{}, model.ProtoTCP, 40000, Label{model.ClassRegistered, ""}},
		{"zero range: IANA dynamic", &model.HostFacts{}, model.ProtoTCP, 50000, Label{model.ClassDynamic, ""}},
		{"zero range: port 0", &model.HostFacts{}, model.ProtoTCP, 0, Label{model.ClassWellKnown, ""}},
		{"inverted range is empty", &model.HostFacts{Ephemeral: model.PortRange{Lo: 60999, Hi: 32768}}, model.ProtoTCP, 40000, Label{model.ClassRegistered, ""}},
		{"one-port range", &narrow, model.ProtoTCP, 1024, Label{model.ClassEphemeral, ""}},
		{"nil host", nil, model.ProtoTCP, 40000, Label{model.ClassRegistered, ""}},
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
	got := Labeler{Host: &linuxDefault}.Port(model.ProtoTCP, 22)
	if diff := cmp.Diff(Label{Class: model.ClassWellKnown}, got); diff != "" {
		t.Errorf("Port without Services (-want +got):\n%s", diff)
	}
}

func TestLabelerService(t *testing.T) {
	mapped := modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.1:5432", "10.0.0.9:41000")
	mapped.Family = model.FamilyInet6 // a dual-stack socket, addresses stored unmapped
	tests := []struct {
		name string
		host *model.HostFacts
		s    model.Socket
		want string
	}{
		// The example.
		{"client to http-alt", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "127.0.0.1:40000", "127.0.0.1:8080"), "http-alt"},
		{"server side of it", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "127.0.0.1:8080", "127.0.0.1:40000"), "http-alt"},
		{"v6 client to https", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "[2001:db8::1]:51000", "[2001:db8::2]:443"), "https"},
		{"v6 ssh server", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "[fe80::1%eth0]:22", "[fe80::2%eth0]:50123"), "ssh"},
		{"v4-mapped postgres server", &linuxDefault, mapped, "postgresql"},

		// LISTEN and UNCONN: the local port, whatever the remote.
		{"listen", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:22", "0.0.0.0:0"), "ssh"},
		{"listen v6", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateListen, "[::]:443", "[::]:0"), "https"},
		{"listen unnamed", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:12345", "0.0.0.0:0"), ""},
		{"listen ignores remote", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:12345", "0.0.0.0:22"), ""},
		{"unconn dns", &linuxDefault, modeltest.Sock(model.ProtoUDP, model.StateUnconn, "127.0.0.53:53", "0.0.0.0:0"), "domain"},
		{"unconn mdns v6", &linuxDefault, modeltest.Sock(model.ProtoUDP, model.StateUnconn, "[::]:5353", "[::]:0"), "mdns"},
		{"unconn ignores remote", &linuxDefault, modeltest.Sock(model.ProtoUDP, model.StateUnconn, "0.0.0.0:40000", "10.0.0.1:53"), ""},

		// Connected: the one named side.
		{"udp client to dns", &linuxDefault, modeltest.Sock(model.ProtoUDP, model.StateEstablished, "10.0.0.5:45000", "10.0.0.1:53"), "domain"},
		{"udp name not borrowed from tcp", &linuxDefault, modeltest.Sock(model.ProtoUDP, model.StateEstablished, "10.0.0.5:45000", "10.0.0.1:22"), ""},
		{"time-wait server side", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateTimeWait, "10.0.0.1:25", "10.0.0.2:33000"), "smtp"},
		{"syn-sent", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateSynSent, "10.0.0.1:55555", "10.0.0.2:6379"), "redis"},
		{"neither named", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.1:40000", "10.0.0.2:40001"), ""},
		{"tcp close, bound only", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateClose, "0.0.0.0:873", "0.0.0.0:0"), "rsync"},
		{"remote port 0 never named", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.1:40000", "10.0.0.2:0"), ""},

		// Both named: the side outside the ephemeral range.
		{"named ephemeral local", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.1:33060", "10.0.0.2:443"), "https"},
		{"named ephemeral remote", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.1:443", "10.0.0.2:33060"), "https"},
		{"ephemeral beats lower port", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.1:33060", "10.0.0.2:51820"), "mysqlx"},
		// Still tied: the lower port.
		{"both fixed, lower wins", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.1:3306", "10.0.0.2:22"), "ssh"},
		{"both fixed, lower local", &linuxDefault, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.1:22", "10.0.0.2:3306"), "ssh"},
		{"both ephemeral, lower wins", &model.HostFacts{Ephemeral: model.PortRange{Lo: 1024, Hi: 65535}}, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.1:8080", "10.0.0.2:5432"), "postgresql"},
		{"same port both sides", &linuxDefault, modeltest.Sock(model.ProtoUDP, model.StateEstablished, "10.0.0.1:123", "10.0.0.2:123"), "ntp"},
		{"no range: lower wins", &model.HostFacts{}, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.1:33060", "10.0.0.2:443"), "https"},
		{"nil host: lower wins", nil, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.1:443", "10.0.0.2:33060"), "https"},
		// Range edges: the lower port, 27017, loses only when the range
		// holds it.
		{"range low edge in", &model.HostFacts{Ephemeral: model.PortRange{Lo: 27017, Hi: 30000}}, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.1:33060", "10.0.0.2:27017"), "mysqlx"},
		{"range low edge out", &model.HostFacts{Ephemeral: model.PortRange{Lo: 27018, Hi: 30000}}, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.1:33060", "10.0.0.2:27017"), "mongodb"},
		{"range high edge in", &model.HostFacts{Ephemeral: model.PortRange{Lo: 20000, Hi: 27017}}, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.1:33060", "10.0.0.2:27017"), "mysqlx"},
		{"range high edge out", &model.HostFacts{Ephemeral: model.PortRange{Lo: 20000, Hi: 27016}}, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.1:33060", "10.0.0.2:27017"), "mongodb"},
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
	s := modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:22", "0.0.0.0:0")
	if got := (Labeler{}).Service(&s); got != "" {
		t.Errorf("zero Labeler Service = %q, want \"\"", got)
	}
}

// benchSockets is a host-like mix: a few listeners, many clients on
// ephemeral ports, some server-side connections.
func benchSockets() []model.Socket {
	remotes := []uint16{443, 80, 5432, 6379, 8080, 53, 40000, 9092}
	var out []model.Socket
	for i := range 4096 {
		eph := uint16(32768 + i%28000)
		switch i % 8 {
		case 0:
			out = append(out, modeltest.Sock(model.ProtoTCP, model.StateListen, fmt.Sprintf("0.0.0.0:%d", remotes[i/8%len(remotes)]), "0.0.0.0:0"))
		case 1:
			out = append(out, modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.1:22", fmt.Sprintf("10.0.0.2:%d", eph)))
		case 2:
			out = append(out, modeltest.Sock(model.ProtoUDP, model.StateUnconn, fmt.Sprintf("[::]:%d", eph), "[::]:0"))
		default:
			out = append(out, modeltest.Sock(model.ProtoTCP, model.StateEstablished, fmt.Sprintf("[2001:db8::1]:%d", eph), fmt.Sprintf("[2001:db8::2]:%d", remotes[i%len(remotes)])))
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
		n += len(l.Port(model.ProtoTCP, port).Service)
		port += 7
	}
	if n == 0 {
		b.Fatal("no services found")
	}
}
