package collect

import (
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
