package collect

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/procfs"

	"github.com/conntab/conntab/model"
)

// procBenchSockets makes n sockets of family as a busy server has them:
// a few listeners, mostly established connections, a quarter in TIME_WAIT.
func procBenchSockets(n int, family model.Family) []model.Socket {
	socks := make([]model.Socket, n)
	for i := range socks {
		a := [4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}
		local, remote := netip.AddrFrom4([4]byte{10, 0, 0, 1}), netip.AddrFrom4(a)
		if family == model.FamilyInet6 {
			local, remote = netip.MustParseAddr("2001:db8::1"), netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 12: a[0], 13: a[1], 14: a[2], 15: a[3]})
		}
		s := model.Socket{
			Proto: model.ProtoTCP, Family: family, State: model.StateEstablished,
			Local: netip.AddrPortFrom(local, 443), Remote: netip.AddrPortFrom(remote, uint16(32768+i%28000)),
			RecvQ: uint32(i % 7), SendQ: uint32(i % 1500), UID: 33, Inode: uint64(1_000_000 + i),
			Timer: model.Timer{Kind: model.TimerKeepalive, Expires: time.Duration(i%7200) * procTick},
		}
		switch {
		case i < 16:
			s.State, s.Remote, s.Timer = model.StateListen, netip.AddrPortFrom(netip.IPv4Unspecified(), 0), model.Timer{}
			if family == model.FamilyInet6 {
				s.Remote = netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
			}
		case i%4 == 0:
			s.State, s.Inode, s.UID, s.RecvQ, s.SendQ = model.StateTimeWait, 0, 0, 0, 0
			s.Timer = model.Timer{Kind: model.TimerTimewait, Expires: time.Duration(i%6000) * procTick}
		}
		socks[i] = s
	}
	return socks
}

// BenchmarkParseProcNet parses generated 130k-line files; ns/row is the
// figure to watch (the budget is well under 40 ms per 130k rows).
//
//	go test ./collect -run '^$' -bench 'ParseProcNet|ProcfsNetTCP|ReadProc' -benchmem
func BenchmarkParseProcNet(b *testing.B) {
	const rows = 130_000
	for _, bc := range []struct {
		name   string
		family model.Family
		states model.StateSet
	}{
		{"tcp/all", model.FamilyInet, model.AllStateSet},
		{"tcp6/all", model.FamilyInet6, model.AllStateSet},
		{"tcp/listening", model.FamilyInet, model.ListeningStateSet},
	} {
		b.Run(bc.name, func(b *testing.B) {
			in := formatProcNet(procBenchSockets(rows, bc.family), model.ProtoTCP, bc.family)
			r := bytes.NewReader(in)
			dst := make([]model.Socket, 0, rows)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				r.Reset(in)
				got, err := parseProcNet(dst[:0], r, "bench", model.ProtoTCP, bc.family, bc.states)
				if err != nil || len(got) == 0 {
					b.Fatalf("parseProcNet: %d sockets, %v", len(got), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
		})
	}
}

// BenchmarkProcfsNetTCP is the baseline parseProcNet replaces.
func BenchmarkProcfsNetTCP(b *testing.B) {
	const rows = 20_000
	root := b.TempDir()
	if err := os.Mkdir(filepath.Join(root, "net"), 0o755); err != nil {
		b.Fatal(err)
	}
	in := formatProcNet(procBenchSockets(rows, model.FamilyInet), model.ProtoTCP, model.FamilyInet)
	if err := os.WriteFile(filepath.Join(root, "net", "tcp"), in, 0o644); err != nil {
		b.Fatal(err)
	}
	fs, err := procfs.NewFS(root)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fs.NetTCP(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
}
