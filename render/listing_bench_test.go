package render

import (
	"bufio"
	"io"
	"math/rand/v2"
	"net/netip"
	"slices"
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

// shuffledSnapshot is benchSnapshot in the kernel's hash order, as a
// dump returns it (here, shuffled), and a copy of that order to restore
// before each run: Listing sorts the snapshot in place.
func shuffledSnapshot() (snap *model.Snapshot, read []model.Socket) {
	snap = benchSnapshot()
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(snap.Sockets), func(i, j int) { snap.Sockets[i], snap.Sockets[j] = snap.Sockets[j], snap.Sockets[i] })
	return snap, slices.Clone(snap.Sockets)
}

var sortSpecs = []string{"state,remote:desc", "local", "service,local:desc", "recv_q:desc"}

// BenchmarkWriteListingSorted is BenchmarkWriteListing's text with
// --sort, from the order the kernel gives: what sorting adds to writing
// 130k rows.
func BenchmarkWriteListingSorted(b *testing.B) {
	snap, read := shuffledSnapshot()
	services := names.DefaultServices()
	for _, spec := range sortSpecs {
		keys, err := ParseSort(spec)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(spec, func(b *testing.B) {
			o := ListingOptions{Sort: keys}
			labels := &Labeler{Labeler: names.Labeler{Services: services, Host: &snap.Host}}
			w := bufio.NewWriterSize(io.Discard, 64<<10)
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				copy(snap.Sockets, read)
				b.StartTimer()
				Listing(w, snap, o, labels)
			}
		})
	}
}

// BenchmarkSortSockets is the sort alone, of 130k sockets in the order
// the kernel gives; "ipv6" sorts the same sockets over IPv6, whose keys
// are too long for the radix sort.
func BenchmarkSortSockets(b *testing.B) {
	snap, read := shuffledSnapshot()
	labels := &Labeler{Labeler: names.Labeler{Services: names.DefaultServices(), Host: &snap.Host}}
	v6 := slices.Clone(read)
	for i := range v6 {
		to6 := func(ap netip.AddrPort) netip.AddrPort {
			a := ap.Addr().As16()
			a[0], a[1] = 0x20, 0x01
			return netip.AddrPortFrom(netip.AddrFrom16(a), ap.Port())
		}
		v6[i].Family, v6[i].Local, v6[i].Remote = model.FamilyInet6, to6(v6[i].Local), to6(v6[i].Remote)
	}
	b.Run("ipv6/local", func(b *testing.B) {
		keys := []SortKey{{Column: "local"}}
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			copy(snap.Sockets, v6)
			b.StartTimer()
			sortSockets(snap.Sockets, keys, labels)
		}
	})
	for _, spec := range sortSpecs {
		keys, err := ParseSort(spec)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(spec, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				copy(snap.Sockets, read)
				b.StartTimer()
				sortSockets(snap.Sockets, keys, labels)
			}
		})
	}
}
