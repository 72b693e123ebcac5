package reporttest

import (
	"net/netip"
	"time"

	"github.com/conntab/conntab/model"
)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// ListingSnapshot is a snapshot with one socket of each shape the listing
// spells differently.
func ListingSnapshot() *model.Snapshot {
	const ns = 4026532000
	return &model.Snapshot{
		Source: model.SourceNetlink,
		NetNS:  ns,
		Host:   model.HostFacts{Ephemeral: model.PortRange{Lo: 32768, Hi: 60999}},
		Sockets: []model.Socket{
			{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateListen, Local: ap("0.0.0.0:22"), Remote: ap("0.0.0.0:0"),
				RecvQ: 0, SendQ: 4096, Inode: 1001, Cookie: 11, NetNS: ns},
			{Proto: model.ProtoTCP, Family: model.FamilyInet6, State: model.StateListen, Local: ap("[::]:443"), Remote: ap("[::]:0"),
				RecvQ: 2, SendQ: 511, Inode: 1002, Cookie: 12, UID: 33, NetNS: ns},
			{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateEstablished, Local: ap("10.0.0.5:41000"), Remote: ap("10.0.0.9:5432"),
				RecvQ: 0, SendQ: 1448, Inode: 1003, Cookie: 13, UID: 1000, NetNS: ns,
				Timer: model.Timer{Kind: model.TimerOn, Expires: 204 * time.Millisecond, Retrans: 1}},
			{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateTimeWait, Local: ap("127.0.0.1:40000"), Remote: ap("127.0.0.1:8080"),
				Cookie: 4127, NetNS: ns, Timer: model.Timer{Kind: model.TimerTimewait, Expires: 59 * time.Second}},
			{Proto: model.ProtoTCP, Family: model.FamilyInet6, State: model.StateCloseWait, Local: ap("127.0.0.1:8443"), Remote: ap("127.0.0.1:51000"),
				RecvQ: 1, Inode: 1004, Cookie: 14, NetNS: ns}, // v4-mapped
			{Proto: model.ProtoTCP, Family: model.FamilyInet6, State: model.StateSynSent, Local: ap("[2001:db8::1]:33000"), Remote: ap("[2001:db8::2]:6379"),
				Inode: 1005, Cookie: 15, NetNS: ns, Timer: model.Timer{Kind: model.TimerOn, Expires: 3*time.Second + 10*time.Millisecond, Retrans: 2}},
			{Proto: model.ProtoUDP, Family: model.FamilyInet, State: model.StateUnconn, Local: ap("0.0.0.0:53"), Remote: ap("0.0.0.0:0"),
				Inode: 1006, Cookie: 16, NetNS: ns},
			{Proto: model.ProtoUDP, Family: model.FamilyInet6, State: model.StateEstablished, Local: ap("[::1]:50000"), Remote: ap("[::1]:123"),
				RecvQ: 768, Inode: 1007, Cookie: 17, NetNS: ns},
		},
	}
}
