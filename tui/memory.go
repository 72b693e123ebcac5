package tui

import (
	"runtime/debug"
	"runtime/metrics"
)

// liveHeap is the runtime's metric of the heap the last collection found
// in use.
const liveHeap = "/gc/heap/live:bytes"

// raiseMemoryLimit sets the soft memory limit to base or half again the
// live heap, whichever is more; base 0 leaves it alone. A sample of 130k
// sockets allocates tens of megabytes that the next one makes garbage;
// with Go's default pacing the heap grows to twice what is live, and a
// limit makes the collector work a little harder instead. A fixed one
// below what a large host's samples hold would make it work all the
// time.
func raiseMemoryLimit(base int64) {
	if base <= 0 {
		return
	}
	s := []metrics.Sample{{Name: liveHeap}}
	metrics.Read(s)
	limit := base
	if s[0].Value.Kind() == metrics.KindUint64 {
		limit = max(base, int64(s[0].Value.Uint64()/2*3))
	}
	debug.SetMemoryLimit(limit)
}
