//go:build linux

package main

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseProcStat(t *testing.T) {
	// Linux 6.18, a conntab top: 52 fields.
	running := "2938 (conntab) S 2937 2938 2938 34816 2938 4194560 118213 0 0 0 1029 1470 0 0 20 0 12 0 " +
		"26791 1550204928 62180 18446744073709551615 1 1 0 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	zombie := "2938 (conntab) Z 2937 2938 2938 0 -1 4227084 118640 0 0 0 1041 1482 0 0 20 0 1 0 " +
		"26791 0 0 18446744073709551615 0 0 0 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 256\n"
	tests := []struct {
		name    string
		in      string
		want    procTimes
		wantErr bool
	}{
		{name: "running", in: running, want: procTimes{ticks: 1029 + 1470, threads: 12, state: 'S'}},
		{name: "zombie with exit status 1", in: zombie, want: procTimes{ticks: 1041 + 1482, threads: 1, state: 'Z', exitCode: 256}},
		{name: "name with spaces and parentheses", in: strings.Replace(running, "(conntab)", "(tmux: (server))", 1),
			want: procTimes{ticks: 1029 + 1470, threads: 12, state: 'S'}},
		{name: "old kernel, no exit code", in: strings.Join(strings.Fields(running)[:45], " "),
			want: procTimes{ticks: 1029 + 1470, threads: 12, state: 'S'}},
		{name: "no name", in: "2938 conntab S 1 2 3", wantErr: true},
		{name: "short", in: "2938 (conntab) S 2937 2938", wantErr: true},
		{name: "utime not a number", in: strings.Replace(running, " 1029 ", " x ", 1), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcStat([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(procTimes{})); !tt.wantErr && diff != "" {
				t.Errorf("parseProcStat (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseProcStatSelf(t *testing.T) {
	// The thread that reads its own stat is running; /proc/self/stat is
	// the main thread's, which may be asleep.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b, err := os.ReadFile("/proc/thread-self/stat")
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseProcStat(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.state != 'R' || got.threads < 1 {
		t.Errorf("this process: %+v, want state R and a thread at least", got)
	}
}

func TestParseStatusKiB(t *testing.T) {
	status := "Name:\tconntab\nVmPeak:\t 1513872 kB\nVmHWM:\t  263040 kB\nVmRSS:\t  237500 kB\nThreads:\t12\n"
	tests := []struct {
		name    string
		in      string
		want    map[string]int64
		wantErr bool
	}{
		{name: "process", in: status, want: map[string]int64{"VmRSS": 237500, "VmHWM": 263040}},
		{name: "zombie or kernel thread", in: "Name:\tkthreadd\nThreads:\t1\n", wantErr: true},
		{name: "not kB", in: "VmRSS:\t 12 MB\nVmHWM:\t 1 kB\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatusKiB(strings.NewReader(tt.in), "VmRSS", "VmHWM")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); !tt.wantErr && diff != "" {
				t.Errorf("parseStatusKiB (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseCPUStat(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    cpuTimes
		wantErr bool
	}{
		// user nice system idle iowait irq softirq steal guest guest_nice
		{name: "kernel 6", in: "cpu  100 2 30 1000 7 1 5 3 40 0\ncpu0 50 1 15 500 3 0 2 1 20 0\n", want: cpuTimes{busy: 141, total: 1148}},
		{name: "not the cpu line", in: "cpu0 50 1 15 500 3 0 2 1 20 0\n", wantErr: true},
		{name: "short", in: "cpu 1 2 3\n", wantErr: true},
		{name: "not a number", in: "cpu  100 2 30 x 7 1 5 3 40 0\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCPUStat([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(cpuTimes{})); !tt.wantErr && diff != "" {
				t.Errorf("parseCPUStat (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseAuxvClockTicks(t *testing.T) {
	auxv := func(wordSize int, pairs ...uint64) []byte {
		b := make([]byte, 0, len(pairs)*wordSize)
		for _, v := range pairs {
			if wordSize == 4 {
				b = binary.NativeEndian.AppendUint32(b, uint32(v))
			} else {
				b = binary.NativeEndian.AppendUint64(b, v)
			}
		}
		return b
	}
	tests := []struct {
		name     string
		in       []byte
		wordSize int
		want     int
		wantErr  error
	}{
		{"64-bit", auxv(8, 6, 4096, atClkTck, 100, 0, 0), 8, 100, nil},
		{"32-bit", auxv(4, 6, 4096, atClkTck, 250, 0, 0), 4, 250, nil},
		{"after AT_NULL", auxv(8, 0, 0, atClkTck, 100), 8, 0, errNoClkTck},
		{"missing", auxv(8, 6, 4096), 8, 0, errNoClkTck},
		{"truncated", auxv(8, 6, 4096, atClkTck)[:20], 8, 0, errNoClkTck},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseAuxvClockTicks(tt.in, tt.wordSize)
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("parseAuxvClockTicks = %d, %v; want %d, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
	if n := clockTicks(); n < 1 {
		t.Errorf("clockTicks() = %d for this process", n)
	}
}

func TestScreenTotal(t *testing.T) {
	screen := "conntab │ vm │ netns 4026532316 │ netlink │ every 1s │ 14:41:49 (356ms)\n" +
		"EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEETTTTTTTTTTTTTTTTLU\n" +
		"E ESTABLISHED 91000  T TIME_WAIT 40000  C CLOSE_WAIT 0  L LISTEN 5  U UNCONN 1000  total 132005\n" +
		" 1 Sockets  2 Remote endpoints  3 Listeners  4 Processes  5 Ports\n"
	n, line, ok := screenTotal(screen)
	if !ok || n != 132005 || !strings.HasPrefix(line, "E ESTABLISHED 91000") {
		t.Errorf("screenTotal = %d, %q, %v; want 132005, the legend line, true", n, line, ok)
	}
	if n, _, ok := screenTotal("conntab: reading the connection table…\n"); ok {
		t.Errorf("before the first sample: screenTotal = %d, true; want false", n)
	}
}

// samplesAt makes one sample a second from ticks and RSS figures (KiB).
func samplesAt(t0 time.Time, ticks []uint64, rss []int64) []dashSample {
	out := make([]dashSample, len(ticks))
	for i := range ticks {
		out[i] = dashSample{at: t0.Add(time.Duration(i) * time.Second), conntab: procTimes{ticks: ticks[i]}, rssKiB: rss[i]}
	}
	return out
}

func TestSlicesOf(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	// 30 ticks a second for 5 s, then 10 a second for 5 s, then 2 s at 50.
	ticks := []uint64{0, 30, 60, 90, 120, 150, 160, 170, 180, 190, 200, 250, 300}
	rss := make([]int64, len(ticks))
	for i := range rss {
		rss[i] = int64(1000 + i)
	}
	renewal := []span{{t0.Add(6 * time.Second), t0.Add(8 * time.Second)}}
	got := slicesOf(samplesAt(t0, ticks, rss), 5, 100, renewal)
	want := []dashSlice{
		{from: 0, to: 5 * time.Second, cpu: 30, rssEndKiB: 1005},
		{from: 5 * time.Second, to: 10 * time.Second, cpu: 10, rssEndKiB: 1010, renewal: true},
		{from: 10 * time.Second, to: 12 * time.Second, cpu: 50, rssEndKiB: 1012},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(dashSlice{})); diff != "" {
		t.Errorf("slicesOf (-want +got):\n%s", diff)
	}
	if got := slicesOf(samplesAt(t0, ticks[:1], rss[:1]), 5, 100, nil); got != nil {
		t.Errorf("one sample: %v, want no slices", got)
	}
}

func TestRSSOf(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	n := 121
	ticks := make([]uint64, n)
	rising := make([]int64, n)
	flat := make([]int64, n)
	for i := range n {
		rising[i] = 100*1024 + int64(i)*1024/30 // 2 MiB a minute
		flat[i] = 100*1024 + int64(i%2)*512     // swings by 0.5 MiB
	}
	r := rssOf(samplesAt(t0, ticks, rising))
	if math.Abs(r.slope-2) > 0.01 || r.first != 100*1024 || r.last != 100*1024+4*1024 || r.min != r.first || r.max != r.last {
		t.Errorf("rising: %+v, want slope 2 MiB/min from 100 to 104 MiB", r)
	}
	r = rssOf(samplesAt(t0, ticks, flat))
	if math.Abs(r.slope) > 0.01 || r.min != 100*1024 || r.max != 100*1024+512 {
		t.Errorf("flat: %+v, want slope 0 between 100 and 100.5 MiB", r)
	}
}

func TestReadHostFDs(t *testing.T) {
	// This process holds stdin, stdout and stderr at least.
	if h := readHostFDs(); h.procs < 1 || h.fds < 3 {
		t.Errorf("readHostFDs() = %+v, want this process and its descriptors at least", h)
	}
}
