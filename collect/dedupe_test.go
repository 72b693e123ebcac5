package collect

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

// TestDumpResultDedupe replays streams shaped like the kernel's: every
// socket once, and now and then one of the last two replies' sockets again
// (372 messages fit a 32 KiB reply at the least), perhaps in a new state.
// The window must keep the newest copy of each, in first-seen order, as a
// map over the whole dump would.
func TestDumpResultDedupe(t *testing.T) {
	const maxBack = 2 * 372
	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, seed))
		var stream []model.Socket
		for i := range 20_000 {
			stream = append(stream, model.Socket{Cookie: rng.Uint64()>>1 | 1, Inode: uint64(i), State: model.StateEstablished})
			if rng.IntN(10) == 0 {
				again := stream[len(stream)-1-rng.IntN(min(maxBack, len(stream)))]
				again.State = model.StateTimeWait
				stream = append(stream, again)
			}
		}

		// The reference: a map over everything.
		index := map[uint64]int{}
		var want []model.Socket
		for _, s := range stream {
			if i, ok := index[s.Cookie]; ok {
				want[i] = s
				continue
			}
			index[s.Cookie] = len(want)
			want = append(want, s)
		}

		r := newDumpResult(0)
		for i := range stream {
			r.add(&stream[i])
		}
		if diff := cmp.Diff(want, r.sockets, socketCmp); diff != "" {
			t.Fatalf("seed %d: (-want +got)\n%s", seed, diff)
		}
	}
}

// Sockets without a cookie (recorded by a source that has none) are never
// merged.
func TestDumpResultNoCookie(t *testing.T) {
	r := newDumpResult(0)
	for range 3 {
		r.add(&model.Socket{State: model.StateEstablished})
	}
	if len(r.sockets) != 3 {
		t.Fatalf("%d sockets, want 3", len(r.sockets))
	}
}

func BenchmarkDumpResultAdd(b *testing.B) {
	socks := make([]model.Socket, 130_000)
	for i := range socks {
		socks[i].Cookie = uint64(i)*7919 + 1
	}
	b.ReportAllocs()
	for b.Loop() {
		r := newDumpResult(len(socks))
		for i := range socks {
			r.add(&socks[i])
		}
	}
}
