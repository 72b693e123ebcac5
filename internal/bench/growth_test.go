//go:build linux

package main

import (
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

func TestParseGrowth(t *testing.T) {
	tests := []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{in: "130000,500000,1000000", want: []int{130000, 500000, 1000000}},
		{in: "130k, 500k, 1M", want: []int{130000, 500000, 1000000}},
		{in: "20000", want: []int{20000}},
		{in: "5M", want: []int{5000000}},
		{in: "6M", wantErr: true},
		{in: "999", wantErr: true},
		{in: "500k,130k", wantErr: true},
		{in: "130k,130k", wantErr: true},
		{in: "130k,", wantErr: true},
		{in: "", wantErr: true},
		{in: "-5", wantErr: true},
		{in: "1.5M", wantErr: true},
		{in: "9223372036854775807M", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseGrowth(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseGrowth(%q) = %v, %v; want error %v", tt.in, got, err, tt.wantErr)
			continue
		}
		if diff := cmp.Diff(tt.want, got); !tt.wantErr && diff != "" {
			t.Errorf("parseGrowth(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func FuzzParseGrowth(f *testing.F) {
	for _, s := range []string{"130000,500000,1000000", "130k,500k,1M", "20000", "1M,2M", "0", "k", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sizes, err := parseGrowth(s)
		if err != nil {
			return
		}
		for i, n := range sizes {
			if n < 1000 || n > maxGrowth || (i > 0 && n <= sizes[i-1]) {
				t.Fatalf("parseGrowth(%q) = %v: want ascending counts from 1000 to %d", s, sizes, maxGrowth)
			}
		}
	})
}

func TestGrowthShape(t *testing.T) {
	base := config{rounds: 1, conns: 45000, timeWait: 40000, udp: 2000, holders: 5, window: 45 * time.Second, growthRounds: 5}
	// At 130,000 the growth fixture is the default one.
	if g := base.growthShape(130000); g.conns != 45000 || g.timeWait != 40000 || g.holders != 5 {
		t.Errorf("growthShape(130000): %d connections, %d TIME_WAIT, %d holders; want 45000, 40000, 5", g.conns, g.timeWait, g.holders)
	}
	for _, n := range []int{1000, 20000, 130000, 500000, 1000000, maxGrowth} {
		g := base.growthShape(n)
		if got := 2*g.conns + g.timeWait; got < n-1 || got > n {
			t.Errorf("growthShape(%d): %d ESTABLISHED and TIME_WAIT sockets, want %d", n, got, n)
		}
		if err := g.checkShape(""); err != nil {
			t.Errorf("growthShape(%d): %v", n, err)
		}
	}
	if g := base.growthShape(1000000); g.holders != 39 {
		t.Errorf("growthShape(1000000): %d holders, want 39 (9,000 connections each)", g.holders)
	}
	base.growth = []int{130000, 500000, 1000000}
	if err := base.check(); err != nil {
		t.Errorf("check with -growth 130k,500k,1M: %v", err)
	}
}

func TestOtherShape(t *testing.T) {
	o := config{other: 50000, conns: 45000, timeWait: 40000, udp: 2000, holders: 5}.otherShape()
	if o.conns != 25000 || o.timeWait != 0 || o.udp != 0 || o.holders != 3 {
		t.Errorf("otherShape: %d connections, %d TIME_WAIT, %d UDP, %d holders; want 25000, 0, 0, 3", o.conns, o.timeWait, o.udp, o.holders)
	}
}

func TestTWSplit(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 50, 8000, 40001} {
		v6, mapped, v4 := twSplit(n)
		if v6+mapped+v4 != n || v6 != n/4 || mapped != n/16 {
			t.Errorf("twSplit(%d) = %d, %d, %d: want n/4, n/16 and the rest", n, v6, mapped, v4)
		}
	}
}

func TestRotateOrder(t *testing.T) {
	want := [][]int{{0, 1, 2, 3}, {1, 2, 3, 0}, {2, 3, 0, 1}, {3, 0, 1, 2}, {0, 1, 2, 3}}
	for r, w := range want {
		if diff := cmp.Diff(w, rotateOrder(4, r)); diff != "" {
			t.Errorf("rotateOrder(4, %d) (-want +got):\n%s", r, diff)
		}
	}
}

func TestDefaultTimeout(t *testing.T) {
	if got := defaultTimeout(nil); got != 20*time.Minute {
		t.Errorf("defaultTimeout(nil) = %v, want 20m", got)
	}
	if got, want := defaultTimeout([]int{130000, 500000, 1000000}), 20*time.Minute+4890*time.Second; got != want {
		t.Errorf("defaultTimeout(130k, 500k, 1M) = %v, want %v: 20m and 3 s per 1,000 sockets", got, want)
	}
}

func TestParseMemUsed(t *testing.T) {
	b, err := os.ReadFile("testdata/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	// testdata/meminfo: MemTotal 24683548 kB, MemAvailable 23031436 kB.
	if got := parseMemUsed(string(b)); got != 24683548-23031436 {
		t.Errorf("parseMemUsed(testdata/meminfo) = %d, want %d", got, 24683548-23031436)
	}
	for _, in := range []string{"", "MemTotal: 10 kB\n", "MemTotal: 10 kB\nMemAvailable: 11 kB\n", "MemTotal: x kB\nMemAvailable: 1 kB\n"} {
		if got := parseMemUsed(in); got != 0 {
			t.Errorf("parseMemUsed(%q) = %d, want 0", in, got)
		}
	}
}

func FuzzParseMemUsed(f *testing.F) {
	b, err := os.ReadFile("testdata/meminfo")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Add("MemTotal: 10 kB\nMemAvailable: 4 kB\n")
	f.Fuzz(func(t *testing.T, s string) {
		if got := parseMemUsed(s); got < 0 {
			t.Fatalf("parseMemUsed(%q) = %d, want at least 0", s, got)
		}
	})
}

func TestTitleStamp(t *testing.T) {
	b, err := os.ReadFile("testdata/dashboard-screen.txt")
	if err != nil {
		t.Fatal(err)
	}
	screen := string(b)
	if got := titleStamp(screen); got != "14:53:39 (172ms)" {
		t.Errorf("titleStamp(testdata/dashboard-screen.txt) = %q, want \"14:53:39 (172ms)\"", got)
	}
	// A narrow title keeps the clock and drops the duration.
	if got := titleStamp("conntab │ netns 4026532177 │ 09:05:59\nrest 10:00:00"); got != "09:05:59" {
		t.Errorf("titleStamp(narrow) = %q, want 09:05:59", got)
	}
	// The clock of another line, or no title, is no sample.
	for _, s := range []string{"", "no frame yet\n12:00:00", strings.Replace(screen, "14:53:39", "14:53", 1)} {
		if got := titleStamp(s); got != "" {
			t.Errorf("titleStamp(%q) = %q, want \"\"", s, got)
		}
	}
}

func FuzzTitleStamp(f *testing.F) {
	b, err := os.ReadFile("testdata/dashboard-screen.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Add("conntab │ 09:05:59")
	f.Fuzz(func(t *testing.T, s string) {
		got := titleStamp(s)
		first, _, _ := strings.Cut(s, "\n")
		if got != "" && !strings.Contains(first, got) {
			t.Fatalf("titleStamp(%q) = %q: not in the first line", s, got)
		}
	})
}

// growthCols are two columns: at twice the sockets, conntab list takes
// three times the wall time; ports was skipped; the dashboard failed at
// the second size.
func growthCols() []*growthColumn {
	ms := time.Millisecond
	col := func(size int, listWall time.Duration, dash dashCost) *growthColumn {
		p := growthProbes("/bin/conntab")
		for i := range p {
			p[i].samples = []sample{{wall: 100 * ms, user: 50 * ms, sys: 50 * ms, rss: 4096}}
		}
		p[gList].samples = []sample{{wall: listWall, user: 100 * ms, sys: 100 * ms, rss: 2048}}
		p[gPorts].skip = "not here"
		return &growthColumn{size: size, shape: config{holders: size / 10000}, probes: p, dash: dash,
			counts: counts{TCP: map[model.State]int{model.StateEstablished: size * 9 / 13, model.StateTimeWait: size * 4 / 13}, TCP6: size / 4},
			built:  2 * time.Second, twTook: time.Second, memUsed: 1024 * 1024, epochs: []*epoch{
				// Outlasted by the untimed runs: left out.
				{after: counts{TCP: map[model.State]int{model.StateTimeWait: 5}}, afterAge: 70 * time.Second},
				{rounds: 2, after: counts{TCP: map[model.State]int{model.StateTimeWait: size * 4 / 13}}, afterAge: 40 * time.Second},
				{rounds: 1, after: counts{TCP: map[model.State]int{model.StateTimeWait: size*4/13 - 7}}, afterAge: 31 * time.Second},
			}}
	}
	return []*growthColumn{
		col(130000, 300*ms, dashCost{samples: 10, cpu: 500 * ms, period: 1500 * ms, hwm: 180 * 1024}),
		col(260000, 900*ms, dashCost{skip: "only 1 samples drawn"}),
	}
}

func TestWriteGrowth(t *testing.T) {
	var b strings.Builder
	writeGrowth(&b, config{udp: 2000, other: 50000, growthRounds: 5}, growthCols())
	out := b.String()
	for _, want := range []string{
		"| | 130,000 sockets | 260,000 sockets | 260,000 / 130,000 |",
		"|---|--:|--:|--:|",
		"| TCP sockets counted, first batch | 130,000 | 260,000 | 2.00 |",
		"| holders | 13 | 26 | – |",
		"| TIME_WAIT batches the commands were timed against | 2 | 2 | – |",
		"| TIME_WAIT left after a batch's last run, fewest | 39,993 | 79,993 | 2.00 |",
		"| a batch's age after its last run, oldest | 40.0 s | 40.0 s | – |",
		"| `conntab list -a -t`: wall | 300 ms | 900 ms | 3.00 |",
		"| `conntab list -a -t`: peak RSS | 2.0 MiB | 2.0 MiB | 1.00 |",
		"| `conntab ports`: wall | – | – | – |",
		"| `ss -tan`: CPU user+sys | 100 ms | 100 ms | 1.00 |",
		"| `conntab top -i 1s`, one sample: CPU user+sys | 500 ms | – | – |",
		"| `conntab top -i 1s`, one sample: wall, the 1-s pause excluded | 500 ms | – | – |",
		"Dashboard sample at 260,000 sockets not measured: only 1 samples drawn",
		"the second namespace's 50,000 ESTABLISHED sockets beside it",
	} {
		if !strings.Contains(out, want+"\n") && !strings.Contains(out, want) {
			t.Errorf("growth table lacks\n%s\ngot:\n%s", want, out)
		}
	}
}

func TestGrowthRatio(t *testing.T) {
	r := growthRow{vals: []float64{2, math.NaN(), 5}, ratio: true}
	if got := growthRatio(r); got != "2.50" {
		t.Errorf("growthRatio(2, NaN, 5) = %q, want 2.50", got)
	}
	for _, r := range []growthRow{
		{vals: []float64{0, 5}, ratio: true},
		{vals: []float64{math.NaN(), 5}, ratio: true},
		{vals: []float64{2, 5}, ratio: false},
	} {
		if got := growthRatio(r); got != "–" {
			t.Errorf("growthRatio(%v) = %q, want –", r, got)
		}
	}
}
