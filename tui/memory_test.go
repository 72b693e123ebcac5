package tui

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestRaiseMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	const base = 64 << 20
	raiseMemoryLimit(base)
	if got := debug.SetMemoryLimit(-1); got != base {
		t.Errorf("small heap: limit %d, want the base %d", got, base)
	}
	held := make([]byte, 256<<20) // a large host's samples
	for i := range held {
		held[i] = byte(i)
	}
	runtime.GC()
	raiseMemoryLimit(base)
	if got := debug.SetMemoryLimit(-1); got < 3*int64(len(held))/2 {
		t.Errorf("with %d MiB live: limit %d MiB, want at least half again", len(held)>>20, got>>20)
	}
	runtime.KeepAlive(held)
	debug.SetMemoryLimit(math.MaxInt64)
	raiseMemoryLimit(0)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("base 0 changed the limit to %d", got)
	}
}
