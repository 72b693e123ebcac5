package collect

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

// TestParseProcNetRepeats reads testdata/proc/repeats/tcp, a /proc/net/tcp
// the kernel printed during churn (TestRecordProcRepeats), cut to the lines
// around its repeats: TIME_WAIT rows printed two and three times, and a
// FIN_WAIT1 row (sl 21) printed again as TIME_WAIT (sl 30). Each socket is
// kept once, in its last form, and the rest keep their order.
func TestParseProcNetRepeats(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "proc", "repeats", "tcp"))
	if err != nil {
		t.Fatal(err)
	}
	// Dropped: 10 and 19 (27 again), 12 and 22 (32 again), 20 (29 again),
	// 21 (FIN_WAIT1, then TIME_WAIT at 30).
	keep := []int{8, 9, 11, 13, 14, 15, 16, 17, 18, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}
	var want []model.Socket
	for line := range bytes.Lines(b) {
		sl, _, _ := bytes.Cut(bytes.TrimSpace(line), []byte(":"))
		n, err := strconv.Atoi(string(sl))
		if err != nil || !slices.Contains(keep, n) {
			continue
		}
		var s model.Socket
		if ok, reason := parseProcLine(&s, bytes.TrimRight(line, "\n"), model.ProtoTCP, model.FamilyInet, model.AllStateSet); !ok {
			t.Fatalf("line %d: %v", n, reason)
		}
		want = append(want, s)
	}
	if len(want) != len(keep) {
		t.Fatalf("the file has %d of the %d lines to keep", len(want), len(keep))
	}
	got, err := parseProcNet(nil, bytes.NewReader(b), "tcp", model.ProtoTCP, model.FamilyInet, model.AllStateSet)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, procCmp); diff != "" {
		t.Errorf("parseProcNet(repeats/tcp) mismatch (-want +got):\n%s", diff)
	}
}

// procRow is a row for dropProcRepeats: tcp/inet unless family says
// otherwise, its state and inode.
func procRow(local, remote string, state model.State, inode uint64) model.Socket {
	return model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: state, Inode: inode,
		Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort(remote)}
}

func TestDropProcRepeats(t *testing.T) {
	const (
		lst, est, tw = model.StateListen, model.StateEstablished, model.StateTimeWait
		fw1, syn     = model.StateFinWait1, model.StateSynRecv
		a, b, any    = "10.0.0.1:443", "10.0.0.2:40000", "0.0.0.0:0"
	)
	udp := func(s model.Socket) model.Socket { s.Proto, s.State = model.ProtoUDP, model.StateEstablished; return s }
	inet6 := func(s model.Socket) model.Socket { s.Family = model.FamilyInet6; return s }
	for _, tc := range []struct {
		name string
		rows []model.Socket
		keep []int // indexes of rows
	}{
		{"none", nil, nil},
		{"one", []model.Socket{procRow(a, b, est, 5)}, []int{0}},
		{"time-wait printed twice", []model.Socket{procRow(a, b, tw, 0), procRow(b, a, est, 6), procRow(a, b, tw, 0)}, []int{1, 2}},
		{"established then time-wait", []model.Socket{procRow(a, b, est, 5), procRow(a, b, tw, 0)}, []int{1}},
		{"time-wait reused by a new connection", []model.Socket{procRow(a, b, tw, 0), procRow(a, b, est, 7)}, []int{1}},
		{"established, time-wait, reused", []model.Socket{procRow(a, b, est, 5), procRow(a, b, tw, 0), procRow(a, b, est, 7)}, []int{2}},
		{"orphaned then time-wait", []model.Socket{procRow(a, b, fw1, 0), procRow(a, b, tw, 0)}, []int{1}},
		{"request then accepted", []model.Socket{procRow(a, b, syn, 0), procRow(a, b, est, 0), procRow(a, b, est, 9)}, []int{2}},
		{"same socket, new state", []model.Socket{procRow(a, b, est, 5), procRow(a, b, model.StateCloseWait, 5)}, []int{1}},
		{"reuseport listeners", []model.Socket{procRow(a, any, lst, 5), procRow(a, any, lst, 6), procRow(a, any, lst, 7)}, []int{0, 1, 2}},
		{"reuseport listener printed twice", []model.Socket{procRow(a, any, lst, 5), procRow(a, any, lst, 6), procRow(a, any, lst, 5)}, []int{1, 2}},
		{"two connected udp sockets", []model.Socket{udp(procRow(a, b, 0, 5)), udp(procRow(a, b, 0, 6))}, []int{0, 1}},
		{"two connections, two sockets", []model.Socket{procRow(a, b, est, 5), procRow(a, b, est, 7)}, []int{0, 1}},
		{"other protocol", []model.Socket{procRow(a, b, tw, 0), udp(procRow(a, b, 0, 5))}, []int{0, 1}},
		{"other family", []model.Socket{procRow(a, b, tw, 0), inet6(procRow(a, b, tw, 0))}, []int{0, 1}},
		{"other direction", []model.Socket{procRow(a, b, tw, 0), procRow(b, a, tw, 0)}, []int{0, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []model.Socket
			for _, i := range tc.keep {
				want = append(want, tc.rows[i])
			}
			got := dropProcRepeats(slices.Clone(tc.rows), procHashes(tc.rows))
			if diff := cmp.Diff(want, got, procCmp); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// procHashes is what parseProcNet hands dropProcRepeats with the rows.
func procHashes(socks []model.Socket) []uint64 {
	out := make([]uint64, len(socks))
	for i := range socks {
		out[i] = procTupleHash(&socks[i])
	}
	return out
}

// procRepeatsReference is dropProcRepeats as its doc states it, in
// quadratic time: a row goes when a later row has its endpoints and its
// inode, or either has none.
func procRepeatsReference(socks []model.Socket) []model.Socket {
	var out []model.Socket
	for i := range socks {
		superseded := false
		for j := i + 1; j < len(socks) && !superseded; j++ {
			a, b := &socks[i], &socks[j]
			superseded = procSameTuple(a, b) && (a.Inode == b.Inode || a.Inode == 0 || b.Inode == 0)
		}
		if !superseded {
			out = append(out, socks[i])
		}
	}
	return out
}

// TestDropProcRepeatsRandom checks dropProcRepeats against the reference
// on files of few endpoints (so that repeats, reused ports and shared
// listeners are common) and of many.
func TestDropProcRepeatsRandom(t *testing.T) {
	states := []model.State{model.StateEstablished, model.StateTimeWait, model.StateListen, model.StateFinWait2}
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 1))
		n, ports := 1+rng.IntN(3000), 2+rng.IntN(5000)
		rows := make([]model.Socket, n)
		for i := range rows {
			local := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(8080+rng.IntN(2)))
			remote := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, byte(1 + rng.IntN(2))}), uint16(1+rng.IntN(ports)))
			inode := uint64(0)
			if rng.IntN(3) > 0 {
				inode = uint64(1 + rng.IntN(4))
			}
			rows[i] = model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, Local: local, Remote: remote,
				State: states[rng.IntN(len(states))], Inode: inode}
		}
		want := procRepeatsReference(rows)
		got := dropProcRepeats(slices.Clone(rows), procHashes(rows))
		if diff := cmp.Diff(want, got, procCmp); diff != "" {
			t.Fatalf("seed %d, %d rows: (-want +got)\n%s", seed, n, diff)
		}
	}
}

// BenchmarkDropProcRepeats is the cost of looking for repeats in a
// 130k-row file that has none, and in one where a row in a thousand comes
// twice (which includes copying the rows back for the next round: the
// rows are dropped in place).
//
//	go test ./collect -run '^$' -bench DropProcRepeats -benchmem
func BenchmarkDropProcRepeats(b *testing.B) {
	clean := procBenchSockets(130_000, model.FamilyInet)
	cleanHashes := procHashes(clean)
	b.Run("none", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if len(dropProcRepeats(clean, cleanHashes)) != len(clean) {
				b.Fatal("rows dropped from a file without repeats")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(clean)), "ns/row")
	})
	churn := slices.Clone(clean)
	for i := 1000; i < len(churn); i += 1000 {
		churn[i] = churn[i-3]
	}
	b.Run("one-in-1000", func(b *testing.B) {
		work, hashes := make([]model.Socket, len(churn)), procHashes(churn)
		b.ReportAllocs()
		for b.Loop() {
			copy(work, churn)
			dropProcRepeats(work, hashes)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(churn)), "ns/row")
	})
}
