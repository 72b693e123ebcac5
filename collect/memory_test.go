package collect

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

func TestOwnerMemory(t *testing.T) {
	conn := func(st model.State, inode uint64) model.Socket {
		return model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: st, Inode: inode,
			Local: netip.MustParseAddrPort("127.0.0.1:40000"), Remote: netip.MustParseAddrPort("127.0.0.1:8080")}
	}
	other := conn(model.StateTimeWait, 0)
	other.Local = netip.MustParseAddrPort("127.0.0.1:40001")
	nginx := model.Owner{Inode: 77, PID: 1234, FD: 7, Comm: "nginx"}
	was := model.Owner{PID: 1234, FD: 7, Comm: "nginx", Former: true}

	var mem ownerMemory
	// 1: the connection is open and owned.
	s1 := &model.Snapshot{Sockets: []model.Socket{conn(model.StateEstablished, 77), other}, Owners: model.NewOwners([]model.Owner{nginx}, 0)}
	mem = mem.apply(s1)
	if got := s1.OwnersOf(&s1.Sockets[0]); len(got) != 1 || got[0].Former {
		t.Fatalf("live owner = %+v", got)
	}
	if got := s1.OwnersOf(&s1.Sockets[1]); got != nil {
		t.Fatalf("a TIME_WAIT never seen owned has owners %+v", got)
	}
	// 2: it closed: TIME_WAIT, no inode; the former owner is shown.
	s2 := &model.Snapshot{Sockets: []model.Socket{conn(model.StateTimeWait, 0), other}, Owners: model.NewOwners(nil, 0)}
	mem = mem.apply(s2)
	if diff := cmp.Diff([]model.Owner{was}, s2.OwnersOf(&s2.Sockets[0])); diff != "" {
		t.Errorf("TIME_WAIT owners (-want +got)\n%s", diff)
	}
	// 3: still TIME_WAIT a sample later: still remembered.
	s3 := &model.Snapshot{Sockets: []model.Socket{conn(model.StateTimeWait, 0)}, Owners: model.NewOwners(nil, 0)}
	mem = mem.apply(s3)
	if diff := cmp.Diff([]model.Owner{was}, s3.OwnersOf(&s3.Sockets[0])); diff != "" {
		t.Errorf("second sample (-want +got)\n%s", diff)
	}
	// 4: gone; then the same 4-tuple comes back as a new TIME_WAIT: not remembered.
	mem = mem.apply(&model.Snapshot{})
	s5 := &model.Snapshot{Sockets: []model.Socket{conn(model.StateTimeWait, 0)}}
	mem.apply(s5)
	if got := s5.OwnersOf(&s5.Sockets[0]); got != nil {
		t.Errorf("owner remembered across a gap: %+v", got)
	}
}

// BenchmarkOwnerMemory applies the memory to a dashboard's sample of the
// benchmark namespace's shape, 90 connections owned to every 40 TIME_WAIT
// remembered: 130,000 sockets, as the default fixture, and a million.
func BenchmarkOwnerMemory(b *testing.B) {
	for _, n := range []int{130000, 1000000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchOwnerMemory(b, n) })
	}
}

func benchOwnerMemory(b *testing.B, n int) {
	live := n * 9 / 13
	var socks []model.Socket
	var owners []model.Owner
	for i := range n {
		s := model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateEstablished, Cookie: uint64(i + 1),
			Local:  netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, byte(i >> 24), byte(i >> 16), byte(i >> 8)}), uint16(i)),
			Remote: netip.MustParseAddrPort("127.0.0.1:8080")}
		if i < live {
			s.Inode = uint64(i + 1)
			owners = append(owners, model.Owner{Inode: s.Inode, PID: int32(100 + i%5), FD: int32(i), Comm: "holder"})
		} else {
			s.State = model.StateTimeWait
		}
		socks = append(socks, s)
	}
	// The kernel's hash order, not the cookies'.
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(socks), func(i, j int) { socks[i], socks[j] = socks[j], socks[i] })
	// The TIME_WAIT sockets were connections of the holders a sample ago.
	before := make([]model.Socket, len(socks))
	copy(before, socks)
	prevOwners := append([]model.Owner(nil), owners...)
	for i := range before {
		if s := &before[i]; s.State == model.StateTimeWait {
			s.State, s.Inode = model.StateEstablished, s.Cookie
			prevOwners = append(prevOwners, model.Owner{Inode: s.Inode, PID: 100, FD: int32(i), Comm: "holder"})
		}
	}
	var mem ownerMemory
	mem = mem.apply(&model.Snapshot{Sockets: before, Owners: model.NewOwners(prevOwners, 0)})
	snap := &model.Snapshot{Sockets: socks, Owners: model.NewOwners(owners, 0)}
	b.ReportAllocs()
	for b.Loop() {
		snap.Former = nil
		mem = mem.apply(snap)
	}
	if len(snap.Former) != n-live {
		b.Fatalf("%d former owners, want %d", len(snap.Former), n-live)
	}
}
