package bpfevents

import (
	"bufio"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestQuantile(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 || h.Mean() != 0 {
		t.Errorf("empty histogram: median %v, mean %v", h.Quantile(0.5), h.Mean())
	}
	h.Slots[3], h.Slots[10], h.Slots[12] = 2, 1, 1 // 8ns, 8ns, 1024ns, 4096ns
	h.Count, h.Sum = 4, 5000
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.25, 8}, {0.5, 8}, {0.75, 1024}, {1, 4096}, {0.01, 8}} {
		if got := h.Quantile(tc.q); got != tc.want {
			t.Errorf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if h.Mean() != 1250 {
		t.Errorf("Mean = %v, want 1.25µs", h.Mean())
	}
	earlier := Histogram{Count: 2, Sum: 16}
	earlier.Slots[3] = 2
	d := h.Sub(earlier)
	if d.Count != 2 || d.Sum != 4984 || d.Quantile(0.5) != 1024 {
		t.Errorf("Sub: %+v", d)
	}
}

func TestParseCgroup2Root(t *testing.T) {
	for _, tc := range []struct {
		name, mountinfo, want string
		err                   error
	}{
		{"unified", "29 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw\n", "/sys/fs/cgroup", nil},
		{"hybrid", "25 24 0:22 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n" +
			"26 25 0:23 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n" +
			"33 25 0:30 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n", "/sys/fs/cgroup/unified", nil},
		{"escaped", `40 1 0:40 / /mnt/my\040cg rw - cgroup2 none rw` + "\n", "/mnt/my cg", nil},
		{"not the root", "40 1 0:40 /sub /mnt/sub rw - cgroup2 none rw\n", "", errNoCgroup2},
		{"none", "25 24 0:22 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n", "", errNoCgroup2},
		{"garbage", "- cgroup2\n\n -\n", "", errNoCgroup2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCgroup2Root(bufio.NewScanner(strings.NewReader(tc.mountinfo)))
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("got %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestErrnoString(t *testing.T) {
	for e, want := range map[Errno]string{99: "EADDRNOTAVAIL", 98: "EADDRINUSE", 111: "ECONNREFUSED", 4000: "errno(4000)"} {
		if got := e.String(); got != want {
			t.Errorf("Errno(%d) = %q, want %q", uint32(e), got, want)
		}
	}
}

func TestCheckRingBytes(t *testing.T) {
	for n, ok := range map[int]bool{4096: true, 1 << 22: true, 0: false, -4096: false, 6144: false, 2048: false} {
		if err := checkRingBytes(n, 4096); (err == nil) != ok {
			t.Errorf("checkRingBytes(%d): %v", n, err)
		}
	}
}

// TestOpenDisabled: the test switch makes Open fail as a host without
// eBPF would, without touching the kernel, on every platform.
func TestOpenDisabled(t *testing.T) {
	tr, err := Open(Options{Disable: true})
	if tr != nil || !errors.Is(err, ErrUnavailable) || !strings.HasPrefix(err.Error(), "eBPF unavailable") {
		t.Errorf("Open(Disable) = %v, %v; want ErrUnavailable", tr, err)
	}
}
