package render

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// Width must equal what Append writes, or the listing's columns drift.
// Names that need escaping are the ones to try: a service file's name may
// hold a backslash (written doubled), and a process's or user's name a
// real ESC (written \x1b). A services file cannot hold the ESC
// (names.Printable refuses it), but the kernel's comm and a user name
// from elsewhere can.
func TestColumnWidthMatchesAppend(t *testing.T) {
	services, err := names.ParseServices(strings.NewReader("http 80/tcp\nweird\\x1b 81/tcp\n"))
	if err != nil {
		t.Fatalf("ParseServices: %v", err)
	}
	const esc = "\x1b[31m"
	snap := &model.Snapshot{Former: map[model.TupleKey][]model.Owner{}}
	l := &Labeler{Labeler: names.Labeler{
		Services: services,
		Host:     &model.HostFacts{Ephemeral: model.PortRange{Lo: 32768, Hi: 60999}},
		UserName: func(uid uint32) (string, bool) { return "user" + esc, uid%2 == 1 },
		Snapshot: snap,
	}, Hosts: names.Hosts{ // -r: a name from DNS is untrusted text
		netip.MustParseAddr("1.2.3.4"): "evil" + esc + ".example", netip.MustParseAddr("::1"): "localhost"}}
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
	// Every socket has owners named with an ESC: held by inode, or, without
	// one, a former owner by its 4-tuple.
	var owners []model.Owner
	for i := range socks {
		s := &socks[i]
		if s.Inode == 0 {
			snap.Former[s.Key()] = []model.Owner{{PID: int32(i + 1), Comm: "gone" + esc, Former: true}}
			continue
		}
		owners = append(owners, model.Owner{Inode: s.Inode, PID: int32(i + 1), FD: 3, Comm: "evil" + esc + "\xff"})
	}
	snap.Owners = model.NewOwners(owners, 0)

	escaped := 0
	for _, c := range Columns(ColumnSet{Extended: true, Timers: true, Processes: true, Classes: true}) {
		for i := range socks {
			s := &socks[i]
			out := c.Append(nil, s, l)
			if got, want := c.Width(s, l), len(out); got != want {
				t.Errorf("%s: Width %d, Append wrote %d (%q) for %+v", c.Name, got, want, out, s)
			}
			if bytes.IndexByte(out, 0x1b) >= 0 {
				t.Errorf("%s: Append wrote a raw ESC (%q) for %+v", c.Name, out, s)
			}
			if bytes.Contains(out, []byte(`\x1b[31m`)) {
				escaped++
			}
		}
	}
	if escaped == 0 {
		t.Error("no column wrote an escaped ESC: the names with one were never shown")
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
