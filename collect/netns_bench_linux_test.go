package collect

import (
	"fmt"
	"testing"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
)

// BenchmarkCollectNamespaces reads 20 namespaces of the benchmark's own
// (a listener and a connection each) into one snapshot, on 1, 2 and 4
// worker threads, each entering a namespace with setns, dumping it and
// leaving. Every dump walks the kernel's TCP hash, which every namespace
// of the host shares: the cost per namespace is the host's socket count,
// not the namespace's. It reports the process's CPU time (user+sys) per
// snapshot beside the wall time.
func BenchmarkCollectNamespaces(b *testing.B) {
	const n = 20
	var paths []string
	for range n {
		ns := nstest.Require(b)
		l, err := ns.Listen("tcp4", "127.0.0.1:8001")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { l.Close() })
		c, err := ns.Dial("tcp4", "127.0.0.1:8001")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		paths = append(paths, ns.Path())
	}
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			c := New(Config{Mode: ModeNetlink, NetNSes: paths, Workers: workers, Protos: []model.Proto{model.ProtoTCP}})
			cpu := cpuTime(b)
			for b.Loop() {
				snap, err := c.Collect(b.Context())
				if err != nil || len(snap.Namespaces) != n {
					b.Fatalf("%v, %d namespaces", err, len(snap.Namespaces))
				}
			}
			cpu.report(b)
		})
	}
}
