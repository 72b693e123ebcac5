package collect

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/internal/nstest"
)

// BenchmarkReadOwners walks the real /proc while the benchmark holds 16,000
// sockets (unbound UDP, inside a namespace it makes: descriptors, not
// traffic), and reports the cost per descriptor walked, sockets or not,
// over every process of the machine (fds: how many there were). One
// process holding most of them is the case that needs its descriptors
// shared out between the workers.
func BenchmarkReadOwners(b *testing.B) {
	ns := nstest.Require(b)
	const sockets = 16000
	var fds []int
	b.Cleanup(func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	})
	if err := ns.Do(func() error {
		for range sockets {
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return err
			}
			fds = append(fds, fd)
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	walked := countFDs(b, "/proc")
	b.ResetTimer()
	var found int
	for b.Loop() {
		o, err := readOwners("/proc")
		if err != nil {
			b.Fatal(err)
		}
		found = o.Len()
	}
	if found < sockets {
		b.Fatalf("found %d socket owners, want at least %d", found, sockets)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(walked), "ns/fd")
	b.ReportMetric(float64(walked), "fds")
}

// countFDs counts the descriptors of every process under procRoot.
func countFDs(tb testing.TB, procRoot string) int {
	tb.Helper()
	ents, err := os.ReadDir(procRoot)
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if _, ok := decimal32([]byte(e.Name())); !ok {
			continue
		}
		fds, _ := os.ReadDir(filepath.Join(procRoot, e.Name(), "fd"))
		n += len(fds)
	}
	return n
}

// BenchmarkOwnerWalk compares, on the same processes, a full walk of
// every descriptor (a Collector's first snapshot, and every tenth) with
// the incremental pass of its other snapshots when nothing changed: four
// child processes hold 4,000 bound UDP sockets each, inside a namespace
// the benchmark makes; or, with CONNTAB_BENCH_NETNS set to a namespace
// file, the processes are whatever holds that one's sockets (go run
// ./internal/bench -hold 15m prints the path of its 132,000 sockets).
// Other processes of the machine are walked too, as a Collector walks
// them.
//
// owners/* time the walk alone: owners/incremental the pass with its
// check against one dump of the namespace; owners/interleaved does, per
// operation, a full walk, a tracker's first snapshot (the full walk that
// also records what identifies each process: what a one-shot listing pays
// for the tracker) and an incremental pass, so that all three meet the
// same load on a shared machine. collect/* time a whole Collect with
// Processes, dump included. cpu-ms is user and system time of this
// process (both cores), which is what a dashboard's budget counts.
func BenchmarkOwnerWalk(b *testing.B) {
	netns := os.Getenv("CONNTAB_BENCH_NETNS")
	if netns == "" {
		ns := nstest.Require(b)
		for range 4 {
			startHolder(b, ns).do(b, "open 4000")
		}
		netns = ns.Path()
	}
	ctx := context.Background()
	snap, err := New(Config{NetNS: netns}).Collect(ctx)
	if err != nil {
		b.Fatal(err)
	}
	fds := countFDs(b, "/proc")
	b.Logf("%d sockets in the namespace; %d descriptors in all processes", len(snap.Sockets), fds)

	b.Run("owners/full", func(b *testing.B) {
		cpu := cpuTime(b)
		for b.Loop() {
			if _, err := readOwners("/proc"); err != nil {
				b.Fatal(err)
			}
		}
		cpu.report(b)
		b.ReportMetric(float64(fds), "fds")
	})
	b.Run("owners/incremental", func(b *testing.B) {
		tr := &ownerTracker{every: math.MaxInt}
		walk := func() {
			if err := tr.begin("/proc"); err != nil {
				b.Fatal(err)
			}
			if _, err := tr.finish("/proc", snap.Sockets); err != nil {
				b.Fatal(err)
			}
		}
		walk() // the first, full walk
		walk() // the first incremental pass re-reads what the walk itself changed
		cpu := cpuTime(b)
		var reread int
		for b.Loop() {
			walk()
			reread += tr.last.Reread
			if tr.last.Full || tr.last.Level != 0 {
				b.Fatalf("not a quiet incremental pass: %+v", tr.last)
			}
		}
		cpu.report(b)
		b.ReportMetric(float64(reread)/float64(b.N), "reread/op")
		b.ReportMetric(float64(tr.last.Reused), "reused")
	})
	b.Run("owners/interleaved", func(b *testing.B) {
		tr := &ownerTracker{every: math.MaxInt}
		incremental := func() {
			if err := tr.begin("/proc"); err != nil {
				b.Fatal(err)
			}
			if _, err := tr.finish("/proc", snap.Sockets); err != nil {
				b.Fatal(err)
			}
		}
		incremental()
		incremental()
		var wall, cpu [3]time.Duration
		for b.Loop() {
			for i, walk := range []func(){
				func() {
					if _, err := readOwners("/proc"); err != nil {
						b.Fatal(err)
					}
				},
				func() {
					first := &ownerTracker{}
					if err := first.begin("/proc"); err != nil {
						b.Fatal(err)
					}
					if _, err := first.finish("/proc", snap.Sockets); err != nil {
						b.Fatal(err)
					}
				},
				incremental,
			} {
				t0, c0 := time.Now(), rusageCPU(b)
				walk()
				wall[i] += time.Since(t0)
				cpu[i] += rusageCPU(b) - c0
			}
		}
		for i, name := range []string{"full", "first", "incr"} {
			b.ReportMetric(float64(wall[i])/float64(b.N)/1e6, name+"-ms/op")
			b.ReportMetric(float64(cpu[i])/float64(b.N)/1e6, name+"-cpu-ms/op")
		}
	})
	b.Run("collect/full", func(b *testing.B) {
		cpu := cpuTime(b)
		for b.Loop() {
			if _, err := New(Config{NetNS: netns, Processes: true}).Collect(ctx); err != nil {
				b.Fatal(err)
			}
		}
		cpu.report(b)
	})
	b.Run("collect/incremental", func(b *testing.B) {
		c := New(Config{NetNS: netns, Processes: true})
		c.owners.every = math.MaxInt
		for range 2 {
			if _, err := c.Collect(ctx); err != nil {
				b.Fatal(err)
			}
		}
		cpu := cpuTime(b)
		for b.Loop() {
			if _, err := c.Collect(ctx); err != nil {
				b.Fatal(err)
			}
		}
		cpu.report(b)
	})
}

// cpuStart is this process's CPU time when a benchmark loop began.
type cpuStart time.Duration

func cpuTime(tb testing.TB) cpuStart {
	tb.Helper()
	return cpuStart(rusageCPU(tb))
}

// report adds the CPU time per operation since c.
func (c cpuStart) report(b *testing.B) {
	b.ReportMetric(float64(rusageCPU(b)-time.Duration(c))/float64(b.N)/1e6, "cpu-ms/op")
}

func rusageCPU(tb testing.TB) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
