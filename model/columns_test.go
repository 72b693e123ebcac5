package model

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// Width must equal what Append writes, or the listing's columns drift.
func TestColumnWidthMatchesAppend(t *testing.T) {
	services, err := ParseServices(strings.NewReader("http 80/tcp\nweird\\x1b 81/tcp\n"))
	if err != nil {
		services = DefaultServices()
	}
	l := &Labeler{Services: services, Host: &HostFacts{Ephemeral: PortRange{32768, 60999}}}
	addrs := []string{"0.0.0.0", "1.2.3.4", "255.255.255.255", "10.0.0.10", "::", "::1", "2001:db8::1", "fe80::1:2:3:4"}
	var socks []Socket
	for i, a := range addrs {
		for _, port := range []uint16{0, 7, 80, 443, 8080, 65535} {
			addr := netip.MustParseAddr(a)
			fam := FamilyInet
			if addr.Is6() {
				fam = FamilyInet6
			}
			socks = append(socks, Socket{
				Proto: ProtoTCP, Family: fam, State: AllStates[i%len(AllStates)],
				Local: netip.AddrPortFrom(addr, port), Remote: netip.AddrPortFrom(addr, 80-port%2),
				RecvQ: uint32(port) * 1000, SendQ: uint32(i), UID: uint32(port), Inode: uint64(port) << 20, Cookie: ^uint64(0) >> (port % 64),
				Timer: Timer{Kind: TimerKind(port % 6), Expires: time.Duration(port) * time.Second, Retrans: uint8(port)},
			})
			socks = append(socks, Socket{Proto: ProtoUDP, Family: fam, State: StateUnconn,
				Local: netip.AddrPortFrom(addr, port), Remote: netip.AddrPortFrom(addr.Unmap(), 0)})
		}
	}
	for _, c := range Columns(ColumnSet{Extended: true, Timers: true, Processes: true, Classes: true}) {
		for i := range socks {
			s := &socks[i]
			if got, want := c.Width(s, l), len(c.Append(nil, s, l)); got != want {
				t.Errorf("%s: Width %d, Append wrote %d (%q) for %+v", c.Name, got, want, c.Append(nil, s, l), s)
			}
		}
	}
}

func TestClassColumn(t *testing.T) {
	l := &Labeler{Host: &HostFacts{Ephemeral: PortRange{32768, 60999}}}
	col := Columns(ColumnSet{Classes: true})
	class := col[len(col)-1]
	for _, tc := range []struct {
		local, remote string
		want          string
	}{
		{"10.0.0.1:40000", "10.0.0.2:5432", "eph>reg"},
		{"10.0.0.1:22", "10.0.0.2:61000", "wk>dyn"},
		{"0.0.0.0:80", "0.0.0.0:0", "wk>-"},
	} {
		s := Socket{Local: netip.MustParseAddrPort(tc.local), Remote: netip.MustParseAddrPort(tc.remote)}
		if got := string(class.Append(nil, &s, l)); class.Name != "Class" || got != tc.want {
			t.Errorf("%s %s -> %s: %q, want %q", class.Name, tc.local, tc.remote, got, tc.want)
		}
	}
}
