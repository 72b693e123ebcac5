package render

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// Width must equal what Append writes, or the listing's columns drift.
func TestColumnWidthMatchesAppend(t *testing.T) {
	services, err := names.ParseServices(strings.NewReader("http 80/tcp\nweird\\x1b 81/tcp\n"))
	if err != nil {
		services = names.DefaultServices()
	}
	l := &Labeler{Labeler: names.Labeler{Services: services, Host: &model.HostFacts{Ephemeral: model.PortRange{Lo: 32768, Hi: 60999}}}}
	addrs := []string{"0.0.0.0", "1.2.3.4", "255.255.255.255", "10.0.0.10", "::", "::1", "2001:db8::1", "fe80::1:2:3:4"}
	var socks []model.Socket
	for i, a := range addrs {
		for _, port := range []uint16{0, 7, 80, 443, 8080, 65535} {
			addr := netip.MustParseAddr(a)
			fam := model.FamilyInet
			if addr.Is6() {
				fam = model.FamilyInet6
			}
			socks = append(socks, model.Socket{
				Proto: model.ProtoTCP, Family: fam, State: model.AllStates[i%len(model.AllStates)],
				Local: netip.AddrPortFrom(addr, port), Remote: netip.AddrPortFrom(addr, 80-port%2),
				RecvQ: uint32(port) * 1000, SendQ: uint32(i), UID: uint32(port), Inode: uint64(port) << 20, Cookie: ^uint64(0) >> (port % 64),
				Timer: model.Timer{Kind: model.TimerKind(port % 6), Expires: time.Duration(port) * time.Second, Retrans: uint8(port)},
			})
			socks = append(socks, model.Socket{Proto: model.ProtoUDP, Family: fam, State: model.StateUnconn,
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
	l := &Labeler{Labeler: names.Labeler{Host: &model.HostFacts{Ephemeral: model.PortRange{Lo: 32768, Hi: 60999}}}}
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
		s := model.Socket{Local: netip.MustParseAddrPort(tc.local), Remote: netip.MustParseAddrPort(tc.remote)}
		if got := string(class.Append(nil, &s, l)); class.Name != "Class" || got != tc.want {
			t.Errorf("%s %s -> %s: %q, want %q", class.Name, tc.local, tc.remote, got, tc.want)
		}
	}
}
