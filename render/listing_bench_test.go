package render

import (
	"bufio"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// benchSnapshot is shaped like the benchmark namespace: 90k ESTABLISHED
// and 40k TIME_WAIT loopback sockets.
func benchSnapshot() *model.Snapshot {
	snap := &model.Snapshot{Host: model.HostFacts{Ephemeral: model.PortRange{Lo: 1024, Hi: 65535}}}
	for i := range 130_000 {
		s := model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateEstablished,
			Local:  netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, byte(1 + i%4)}), uint16(1024+i%60000)),
			Remote: netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(5000+i%5)),
			Inode:  uint64(100000 + i), Cookie: uint64(i)}
		if i >= 90_000 {
			s.State, s.Inode = model.StateTimeWait, 0
			s.Timer = model.Timer{Kind: model.TimerTimewait, Expires: 50 * time.Second}
		}
		snap.Sockets = append(snap.Sockets, s)
	}
	return snap
}

func BenchmarkWriteListing(b *testing.B) {
	snap := benchSnapshot()
	services := names.DefaultServices()
	for _, format := range []struct {
		name string
		f    ListingFormat
	}{{"text", ListingTable}, {"json", ListingJSON}} {
		b.Run(format.name, func(b *testing.B) {
			o := ListingOptions{Format: format.f}
			labels := &Labeler{Labeler: names.Labeler{Services: services, Host: &snap.Host}}
			w := bufio.NewWriterSize(io.Discard, 64<<10)
			b.ReportAllocs()
			for b.Loop() {
				Listing(w, snap, o, labels)
			}
		})
	}
}
