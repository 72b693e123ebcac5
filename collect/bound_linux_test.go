package collect

import (
	"net/netip"
	"testing"

	"github.com/conntab/conntab/model"
)

func TestBoundCache(t *testing.T) {
	var b boundCache
	if !b.stale(3) {
		t.Fatal("nothing kept, yet not stale")
	}
	bound := model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateBoundInactive, Local: netip.MustParseAddrPort("10.0.0.1:4000")}
	b.keep([]model.Socket{bound})
	for i, want := range []bool{false, false, true} {
		if got := b.stale(3); got != want {
			t.Errorf("snapshot %d after the walk: stale %v, want %v", i+1, got, want)
		}
		b.age++
	}
	b.keep(nil)
	if b.stale(3) || len(b.socks) != 0 {
		t.Errorf("a walk that found none: stale %v, kept %v", b.stale(3), b.socks)
	}
}
