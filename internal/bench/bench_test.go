//go:build linux

package main

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseSockstat(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]map[string]int
		wantErr bool
	}{
		{
			name: "kernel 6",
			in: "sockets: used 16\nTCP: inuse 90005 orphan 0 tw 40000 alloc 90007 mem 3\n" +
				"UDP: inuse 2000 mem 0\nUDPLITE: inuse 0\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n",
			want: map[string]map[string]int{
				"sockets": {"used": 16},
				"TCP":     {"inuse": 90005, "orphan": 0, "tw": 40000, "alloc": 90007, "mem": 3},
				"UDP":     {"inuse": 2000, "mem": 0},
				"UDPLITE": {"inuse": 0},
				"RAW":     {"inuse": 0},
				"FRAG":    {"inuse": 0, "memory": 0},
			},
		},
		{name: "empty", in: "", want: map[string]map[string]int{}},
		{name: "no colon", in: "TCP inuse 1\n", wantErr: true},
		{name: "odd fields", in: "TCP: inuse\n", wantErr: true},
		{name: "not a number", in: "TCP: inuse x\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSockstat(strings.NewReader(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); !tt.wantErr && diff != "" {
				t.Errorf("parseSockstat (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInetDiagReq(t *testing.T) {
	got := inetDiagReq(10, 6, allStates)
	want := make([]byte, 56)
	want[0], want[1] = 10, 6
	binary.NativeEndian.PutUint32(want[4:], 0xffffffff)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inet_diag_req_v2 (-want +got):\n%s", diff)
	}
}

func TestDiagState(t *testing.T) {
	msg := make([]byte, inetDiagMsgLen)
	msg[0], msg[1] = 2, 6 // AF_INET, TIME_WAIT
	if st, err := diagState(msg); err != nil || st != 6 {
		t.Errorf("diagState = %d, %v; want 6, nil", st, err)
	}
	if _, err := diagState(msg[:71]); !errors.Is(err, errShortMsg) {
		t.Errorf("71 bytes: err = %v, want errShortMsg", err)
	}
}

func TestParseGNUTime(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"36912\n", 36912, false},
		{"Command exited with non-zero status 1\n1008\n", 1008, false},
		{"", 0, true},
		{"36912 KiB\n", 0, true},
	}
	for _, tt := range tests {
		got, err := parseGNUTime([]byte(tt.in))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseGNUTime(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestShare(t *testing.T) {
	for _, tc := range []struct{ n, k int }{{45000, 5}, {40001, 5}, {7, 3}, {2, 5}, {0, 5}} {
		sum := 0
		var parts []int
		for i := range tc.k {
			parts = append(parts, share(tc.n, tc.k, i))
			sum += parts[i]
		}
		if sum != tc.n || parts[0]-parts[tc.k-1] > 1 {
			t.Errorf("share(%d, %d, i) = %v: want %d in parts differing by at most 1", tc.n, tc.k, parts, tc.n)
		}
	}
}

func TestConfigCheck(t *testing.T) {
	ok := config{rounds: 7, conns: 45000, timeWait: 40000, udp: 2000, holders: 5, window: 45 * time.Second, other: 50000}
	if err := ok.check(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	tests := []struct {
		name string
		edit func(*config)
	}{
		{"no rounds", func(c *config) { c.rounds = 0 }},
		{"no holders", func(c *config) { c.holders = 0 }},
		{"too many descriptors per holder", func(c *config) { c.holders = 4 }},
		{"window past TIME_WAIT", func(c *config) { c.window = time.Minute }},
		{"negative", func(c *config) { c.udp = -1 }},
		{"no such CPU", func(c *config) { c.oneCPU, c.cpu = true, 4096 }},
		{"negative CPU", func(c *config) { c.oneCPU, c.cpu = true, -1 }},
		{"too many holders", func(c *config) { c.holders = maxHolders + 1 }},
		{"too many TIME_WAIT per holder", func(c *config) { c.timeWait = 400000 }},
		// 40,000 a holder: 30,000 from IPv4 and v4-mapped clients to one
		// destination, past one parity of the ephemeral ports.
		{"too many TIME_WAIT per destination", func(c *config) { c.timeWait = 200000 }},
		{"no such CPU to pin", func(c *config) { c.pin = 4096 }},
		{"second namespace too large", func(c *config) { c.other = 2 * maxHolders * holderConns * 2 }},
		{"growth without rounds", func(c *config) { c.growth, c.growthRounds = []int{20000}, 0 }},
	}
	growthOnly := ok
	growthOnly.rounds, growthOnly.growth, growthOnly.growthRounds = 0, []int{130000, 1000000}, 5
	if err := growthOnly.check(); err != nil {
		t.Errorf("-rounds 0 with -growth: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			if err := c.check(); err == nil {
				t.Errorf("check(%+v) = nil, want an error", c)
			}
		})
	}
}

func TestRoundOrder(t *testing.T) {
	tests := []struct {
		n, round int
		want     []int
	}{
		{7, 0, []int{0, 1, 2, 3, 4, 5, 6}},
		{7, 1, []int{1, 0, 3, 2, 5, 4, 6}},
		{7, 2, []int{0, 1, 2, 3, 4, 5, 6}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, roundOrder(tt.n, tt.round)); diff != "" {
			t.Errorf("roundOrder(%d, %d) (-want +got):\n%s", tt.n, tt.round, diff)
		}
	}
}

func TestSummarize(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		in   []sample
		want stats
	}{
		{"odd", []sample{
			{wall: 30 * ms, rss: 3, user: 9 * ms, sys: 1 * ms},
			{wall: 10 * ms, rss: 1, user: 1 * ms, sys: 9 * ms},
			{wall: 20 * ms, rss: 2, user: 2 * ms, sys: 2 * ms},
		}, stats{median: 20 * ms, min: 10 * ms, max: 30 * ms, medianCPU: 10 * ms, medianSys: 2 * ms, medianRSS: 2}},
		{"even", []sample{
			{wall: 40 * ms, rss: 4, user: 4 * ms, sys: 4 * ms},
			{wall: 10 * ms, rss: 1, user: 1 * ms, sys: 1 * ms},
			{wall: 20 * ms, rss: 2, user: 2 * ms, sys: 2 * ms},
			{wall: 30 * ms, rss: 3, user: 3 * ms, sys: 3 * ms},
		}, stats{median: 25 * ms, min: 10 * ms, max: 40 * ms, medianCPU: 5 * ms, medianSys: 5 * ms / 2, medianRSS: 2}},
		{"none", nil, stats{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, summarize(tt.in), cmp.AllowUnexported(stats{})); diff != "" {
				t.Errorf("summarize (-want +got):\n%s", diff)
			}
		})
	}
}
