package collect

import (
	"net/netip"
	"testing"

	"github.com/conntab/conntab/model"
)

func TestBoundCache(t *testing.T) {
	var b boundCache
	inet := model.FamilyInet
	if !b.stale(inet, 3) {
		t.Fatal("nothing kept, yet not stale")
	}
	bound := model.Socket{Proto: model.ProtoTCP, Family: inet, State: model.StateBoundInactive, Local: netip.MustParseAddrPort("10.0.0.1:4000")}
	b.keep(inet, []model.Socket{bound})
	split := []*dumpJob{{proto: model.ProtoTCP, family: inet, mask: estBit}, {proto: model.ProtoTCP, family: inet, mask: 1 << model.StateTimeWait}}
	for i, want := range []bool{false, false, true} {
		if got := b.stale(inet, 3); got != want {
			t.Errorf("snapshot %d after the walk: stale %v, want %v", i+1, got, want)
		}
		if want {
			break
		}
		socks := b.reuse(nil, split)
		if len(socks) != 1 || socks[0] != bound {
			t.Errorf("snapshot %d: reused %v", i+1, socks)
		}
	}
	// A family dumped whole again reads its bound sockets itself: the
	// kept ones are dropped, never listed twice.
	whole := []*dumpJob{{proto: model.ProtoTCP, family: inet, mask: uint32(model.AllStateSet.KernelMask(model.ProtoTCP))}}
	if socks := b.reuse(nil, whole); len(socks) != 0 {
		t.Errorf("whole dump: reused %v", socks)
	}
	if !b.stale(inet, 3) {
		t.Error("kept sockets survived a whole dump")
	}
}
