package analyze

import (
	"cmp"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/conntab/conntab/internal/modeltest"
	"github.com/conntab/conntab/model"
	gocmp "github.com/google/go-cmp/cmp"
)

func TestCountProcesses(t *testing.T) {
	withInode := func(s model.Socket, inode uint64) model.Socket { s.Inode = inode; return s }
	tw := modeltest.Sock(model.ProtoTCP, model.StateTimeWait, "10.0.0.2:40001", "10.0.0.9:5432")
	twNobody := modeltest.Sock(model.ProtoTCP, model.StateTimeWait, "10.0.0.2:40002", "10.0.0.9:5432")
	orphan := modeltest.Sock(model.ProtoTCP, model.StateFinWait2, "10.0.0.2:40003", "10.0.0.9:443")
	synRecv := modeltest.Sock(model.ProtoTCP, model.StateNewSynRecv, "10.0.0.2:443", "10.0.0.7:50000")
	snap := &model.Snapshot{
		Sockets: []model.Socket{
			withInode(modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.2:443", "10.0.0.7:50001"), 100),  // shared after fork
			withInode(modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:443", "0.0.0.0:0"), 101),             // two descriptors, one process
			withInode(modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.2:40000", "10.0.0.9:5432"), 102), // a hidden process's
			withInode(modeltest.Sock(model.ProtoUDP, model.StateUnconn, "0.0.0.0:53", "0.0.0.0:0"), 103),              // pid 13 as "a"
			withInode(modeltest.Sock(model.ProtoUDP, model.StateUnconn, "0.0.0.0:54", "0.0.0.0:0"), 104),              // pid 13 renamed "b"
			tw,       // former owner: nginx 10
			twNobody, // no remembered owner
			orphan,   // former owner that has exited: curl 12
			synRecv,  // request socket: no file, no owner
		},
		Owners: model.NewOwners([]model.Owner{
			{Inode: 101, PID: 10, FD: 5, Comm: "nginx"},
			{Inode: 100, PID: 11, FD: 3, Comm: "nginx"},
			{Inode: 100, PID: 10, FD: 3, Comm: "nginx"},
			{Inode: 101, PID: 10, FD: 4, Comm: "nginx"},
			{Inode: 103, PID: 13, FD: 3, Comm: "a"},
			{Inode: 104, PID: 13, FD: 4, Comm: "b"},
			{Inode: 999, PID: 14, FD: 3, Comm: "elsewhere"}, // a socket of another namespace
		}, 2),
		Former: map[model.TupleKey][]model.Owner{
			tw.Key():     {{PID: 10, FD: 7, Comm: "nginx", Former: true}},
			orphan.Key(): {{PID: 12, FD: 3, Comm: "curl", Former: true}, {PID: 12, FD: 4, Comm: "curl", Former: true}},
		},
	}
	want := &ProcessCounts{
		Procs: []ProcessSockets{
			{PID: 10, Comm: "nginx", States: counts(model.StateEstablished, 1, model.StateListen, 1), Total: 2,
				Former: counts(model.StateTimeWait, 1), FormerTotal: 1},
			{PID: 11, Comm: "nginx", States: counts(model.StateEstablished, 1), Total: 1},
			{PID: 12, Comm: "curl", Former: counts(model.StateFinWait2, 1), FormerTotal: 1},
			{PID: 13, Comm: "a", States: counts(model.StateUnconn, 1), Total: 1},
			{PID: 13, Comm: "b", States: counts(model.StateUnconn, 1), Total: 1},
		},
		Unknown: ProcessSockets{States: counts(model.StateEstablished, 1, model.StateTimeWait, 1, model.StateNewSynRecv, 1), Total: 3},
		Hidden:  2,
	}
	if diff := gocmp.Diff(want, CountProcesses(snap)); diff != "" {
		t.Errorf("CountProcesses (-want +got):\n%s", diff)
	}

	// Without owners every socket with a file is unknown; remembered
	// owners still count.
	snap.Owners = nil
	want = &ProcessCounts{
		Procs: []ProcessSockets{
			{PID: 10, Comm: "nginx", Former: counts(model.StateTimeWait, 1), FormerTotal: 1},
			{PID: 12, Comm: "curl", Former: counts(model.StateFinWait2, 1), FormerTotal: 1},
		},
		Unknown: ProcessSockets{States: counts(model.StateEstablished, 2, model.StateListen, 1, model.StateUnconn, 2,
			model.StateTimeWait, 1, model.StateNewSynRecv, 1), Total: 7},
	}
	if diff := gocmp.Diff(want, CountProcesses(snap)); diff != "" {
		t.Errorf("CountProcesses without Owners (-want +got):\n%s", diff)
	}

	if diff := gocmp.Diff(&ProcessCounts{}, CountProcesses(&model.Snapshot{})); diff != "" {
		t.Errorf("CountProcesses of an empty snapshot (-want +got):\n%s", diff)
	}
}

// countByOwnersOf is CountProcesses written the plain way, one
// Snapshot.OwnersOf per socket.
func countByOwnersOf(snap *model.Snapshot) *ProcessCounts {
	type key struct {
		pid  int32
		comm string
	}
	rows := map[key]*ProcessSockets{}
	pc := &ProcessCounts{}
	if snap.Owners != nil {
		pc.Hidden = snap.Owners.Hidden
	}
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		owners := snap.OwnersOf(s)
		if len(owners) == 0 {
			pc.Unknown.States.Add(s.State)
			pc.Unknown.Total++
			continue
		}
		seen := map[key]bool{}
		for _, o := range owners {
			k := key{o.PID, o.Comm}
			if seen[k] {
				continue
			}
			seen[k] = true
			r := rows[k]
			if r == nil {
				r = &ProcessSockets{PID: o.PID, Comm: o.Comm}
				rows[k] = r
			}
			if o.Former {
				r.Former.Add(s.State)
				r.FormerTotal++
			} else {
				r.States.Add(s.State)
				r.Total++
			}
		}
	}
	for _, r := range rows {
		pc.Procs = append(pc.Procs, *r)
	}
	slices.SortFunc(pc.Procs, func(a, b ProcessSockets) int {
		return cmp.Or(cmp.Compare(a.PID, b.PID), cmp.Compare(a.Comm, b.Comm))
	})
	return pc
}

func TestCountProcessesMatchesOwnersOf(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	random := func(n int, hugeInodes bool) *model.Snapshot {
		snap := &model.Snapshot{Former: map[model.TupleKey][]model.Owner{}}
		var owners []model.Owner
		comms := []string{"a", "b", "nginx", "postgres"}
		for i := range n {
			s := modeltest.Sock(model.ProtoTCP, model.AllStates[r.IntN(len(model.AllStates))], "10.0.0.2:40000", "10.0.0.9:5432")
			s.Local = netipPort(s.Local, uint16(i))
			if r.IntN(4) > 0 {
				s.Inode = uint64(1000 + r.IntN(4*n)) // sometimes twice: a duplicate reading
				if hugeInodes && r.IntN(8) == 0 {
					s.Inode |= 1 << 62
				}
				for range r.IntN(4) { // 0 to 3 holders, sometimes one pid twice
					owners = append(owners, model.Owner{Inode: s.Inode, PID: int32(r.IntN(20)), FD: int32(r.IntN(100)), Comm: comms[r.IntN(len(comms))]})
				}
			} else if r.IntN(2) == 0 {
				var f []model.Owner
				for range 1 + r.IntN(2) {
					f = append(f, model.Owner{PID: int32(r.IntN(20)), FD: int32(r.IntN(100)), Comm: comms[r.IntN(len(comms))], Former: true})
				}
				slices.SortFunc(f, func(a, b model.Owner) int { return cmp.Compare(a.PID, b.PID) })
				snap.Former[s.Key()] = f
			}
			snap.Sockets = append(snap.Sockets, s)
		}
		snap.Owners = model.NewOwners(owners, 3)
		return snap
	}
	for _, tt := range []struct {
		name string
		snap *model.Snapshot
	}{
		{"small", random(40, false)},
		{"radix sorted", random(20000, false)},
		{"inodes too large to pack", random(5000, true)},
		{"benchmark fixture", benchSnapshot()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want := countByOwnersOf(tt.snap)
			if diff := gocmp.Diff(want, CountProcesses(tt.snap)); diff != "" {
				t.Errorf("CountProcesses (-countByOwnersOf +got):\n%s", diff)
			}
			for _, workers := range []int{1, 2, 3, 7} {
				if diff := gocmp.Diff(want, countProcesses(tt.snap, workers)); diff != "" {
					t.Errorf("countProcesses with %d workers (-countByOwnersOf +got):\n%s", workers, diff)
				}
			}
		})
	}
}

func TestRadixSort(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 63, 64, 1000, 100000} {
		for _, spread := range []uint64{1, 1 << 12, 1 << 40, 1<<64 - 1} {
			keys := make([]uint64, n)
			for i := range keys {
				keys[i] = 0xabcd<<40 + r.Uint64N(spread)
				if spread == 1<<64-1 {
					keys[i] = r.Uint64()
				}
			}
			want := slices.Sorted(slices.Values(keys))
			radixSort(keys)
			if !slices.Equal(want, keys) {
				t.Errorf("radixSort of %d keys spread over %d: not sorted", n, spread)
			}
		}
	}
}

func BenchmarkCountProcesses(b *testing.B) {
	snap := benchSnapshot()
	b.ReportAllocs()
	for b.Loop() {
		CountProcesses(snap)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(snap.Sockets)), "ns/socket")
}

func netipPort(ap netip.AddrPort, port uint16) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr(), port)
}

// BenchmarkSample is what the dashboard derives from one sample: the
// remote endpoints and pools against the previous sample, the processes,
// and the bind scope of every listening socket.
func BenchmarkSample(b *testing.B) {
	snap := benchSnapshot()
	th := DefaultThresholds()
	prev := Destinations(snap, nil, 0, th)
	b.ReportAllocs()
	for b.Loop() {
		Destinations(snap, prev, time.Second, th)
		CountProcesses(snap)
		for i := range snap.Sockets {
			if s := &snap.Sockets[i]; s.State == model.StateListen || s.State == model.StateUnconn {
				_ = model.Scope(s)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(snap.Sockets)), "ns/socket")
}
