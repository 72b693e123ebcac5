package collect

import (
	"net/netip"
	"testing"

	"github.com/conntab/conntab/model"
)

// Prefaulting maps memory; it must not change what is already there.
func TestPrefaultKeepsContents(t *testing.T) {
	socks := make([]model.Socket, 0, 100_000)
	for i := range 1000 {
		socks = append(socks, model.Socket{Cookie: uint64(i), Local: netip.AddrPortFrom(netip.IPv6Loopback(), uint16(i))})
	}
	prefault(socks)
	prefault(nil)
	for i := range socks {
		if socks[i].Cookie != uint64(i) || socks[i].Local.Port() != uint16(i) || !socks[i].Local.Addr().IsLoopback() {
			t.Fatalf("socket %d changed: %+v", i, socks[i])
		}
	}
	if len(socks) != 1000 || cap(socks) != 100_000 {
		t.Fatalf("len %d cap %d", len(socks), cap(socks))
	}
}
