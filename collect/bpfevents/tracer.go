package bpfevents

import (
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"time"

	"github.com/conntab/conntab/model"
)

// ErrUnavailable: the programs cannot be loaded or attached here (no BTF,
// no CAP_BPF, a locked-down kernel, a kernel function missing, another
// platform, or Options.Disable). The error wrapping it says which; a
// caller says so once and carries on without failure events.
var ErrUnavailable = errors.New("eBPF unavailable")

// DefaultRingBytes is the ring buffer's size unless Options says another:
// some 37,000 records, a second of a busy host's state changes.
const DefaultRingBytes = 4 << 20

// Options configure Open.
type Options struct {
	// NetNS, if not 0, is the inode of the only network namespace whose
	// sockets are reported: the programs drop the others in the kernel.
	NetNS uint32
	// RingBytes is the ring buffer's size: a power of two, a multiple of
	// the page size. 0 means DefaultRingBytes.
	RingBytes int
	// Latency, if not 0, lets state changes gather in the ring buffer:
	// they wake the reader only once a quarter of it is full, and Read
	// looks for them every Latency otherwise. A busy host then costs one
	// wakeup per batch rather than one per record. Errors wake the reader
	// at once either way.
	Latency time.Duration
	// Disable makes Open fail with ErrUnavailable without touching the
	// kernel, so that callers can test the way they run without it.
	Disable bool
}

// Lost counts what the programs could not hand over: records the ring
// buffer had no room for, per kind, and port searches whose histogram
// had no room (4,096 destinations).
type Lost struct {
	ConnectError, BindError, State uint64
	Histogram                      uint64
}

// Total is every record lost.
func (l Lost) Total() uint64 { return l.ConnectError + l.BindError + l.State }

// HistSlots is the number of log2 buckets of a Histogram.
const HistSlots = 32

// Histogram is the time connect() spent choosing a local port
// (inet_hash_connect), for one destination: Slots[i] counts searches that
// took [2^i, 2^(i+1)) ns (Slots[0] also those of 0 ns).
type Histogram struct {
	NetNS  uint32
	Family model.Family
	Dest   netip.AddrPort
	Slots  [HistSlots]uint64
	Count  uint64
	Sum    time.Duration
}

// Sub is h less an earlier reading of the same histogram: what happened
// in between.
func (h Histogram) Sub(earlier Histogram) Histogram {
	for i := range h.Slots {
		h.Slots[i] -= earlier.Slots[i]
	}
	h.Count -= earlier.Count
	h.Sum -= earlier.Sum
	return h
}

// Quantile is the lower bound of the bucket that holds the q-quantile
// (0 < q <= 1) of the searches, or 0 if there were none. Buckets are
// powers of two: two quantiles that differ are at least 2x apart.
func (h Histogram) Quantile(q float64) time.Duration {
	var total uint64
	for _, n := range h.Slots {
		total += n
	}
	if total == 0 {
		return 0
	}
	rank := uint64(q * float64(total))
	if rank == 0 {
		rank = 1
	}
	var seen uint64
	for i, n := range h.Slots {
		seen += n
		if seen >= rank {
			if i == 0 {
				return 0
			}
			return time.Duration(1) << i
		}
	}
	return time.Duration(1) << (HistSlots - 1)
}

// Mean is the mean search time, or 0 if there were none.
func (h Histogram) Mean() time.Duration {
	if h.Count == 0 {
		return 0
	}
	return h.Sum / time.Duration(h.Count)
}

// checkRingBytes says what is wrong with a ring size.
func checkRingBytes(n, page int) error {
	if n <= 0 || bits.OnesCount(uint(n)) != 1 || n%page != 0 {
		return fmt.Errorf("bpfevents: ring buffer of %d bytes: want a power of two, a multiple of %d", n, page)
	}
	return nil
}
