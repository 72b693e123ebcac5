package collect

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

// The linux-6.18-* files in testdata/netfacts are /proc/net/netstat and
// /proc/net/snmp as a Linux 6.18 host printed them; the others are made
// by hand, each broken in one way.

// capturedCounters is what the captured files hold of NetCounters.
var capturedCounters = model.NetCounters{TW: 84, ActiveOpens: 89, PassiveOpens: 7, AttemptFails: 2}

// netfactsFile reads testdata/netfacts/name.
func netfactsFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "netfacts", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseNetstat(t *testing.T) {
	const tcpHeader = "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab\n"
	tests := []struct {
		name string
		in   []string // files read one after the other into one NetCounters
		want model.NetCounters
	}{
		{"captured netstat", []string{netfactsFile(t, "linux-6.18-netstat")}, model.NetCounters{TW: 84}},
		{"captured snmp", []string{netfactsFile(t, "linux-6.18-snmp")}, model.NetCounters{ActiveOpens: 89, PassiveOpens: 7, AttemptFails: 2}},
		{"both", []string{netfactsFile(t, "linux-6.18-netstat"), netfactsFile(t, "linux-6.18-snmp")}, capturedCounters},
		{
			"full 64 bits",
			[]string{netfactsFile(t, "big-values-snmp")},
			model.NetCounters{ActiveOpens: 1<<64 - 1, PassiveOpens: 1 << 63, AttemptFails: 3, CurrEstab: 1 << 32},
		},
		{
			// An older kernel: no TCPReqQFullDrop, TCPTimeWaitOverflow;
			// and counters in another order.
			"missing counters read 0",
			[]string{"TcpExt: ListenDrops TW ListenOverflows TWKilled TWRecycled\nTcpExt: 5 4 3 2 1\n"},
			model.NetCounters{TW: 4, TWRecycled: 1, TWKilled: 2, ListenOverflows: 3, ListenDrops: 5},
		},
		{
			"a group in several pairs, others skipped",
			[]string{"IcmpMsg: InType3 InType8\nIcmpMsg: 3 4\nIcmpMsg: OutType0\nIcmpMsg: 4\n" + tcpHeader + "Tcp: 1 200 120000 -1 10 20 30 40 50\nTcpExt: TW\nTcpExt: 7\n"},
			model.NetCounters{TW: 7, ActiveOpens: 10, PassiveOpens: 20, AttemptFails: 30, CurrEstab: 50},
		},
		{
			// TW in Tcp is not TcpExt's TW.
			"group decides",
			[]string{"Tcp: TW ActiveOpens\nTcp: 9 1\nMPTcpExt: TW\nMPTcpExt: 9\n"},
			model.NetCounters{ActiveOpens: 1},
		},
		{"no final newline, spaces", []string{"TcpExt:  TW   TWKilled \nTcpExt: 1  2"}, model.NetCounters{TW: 1, TWKilled: 2}},
		{"only unknown groups", []string{"Udp: InDatagrams\nUdp: 85\n"}, model.NetCounters{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got model.NetCounters
			for i, in := range tt.in {
				if err := parseNetstat(strings.NewReader(in), fmt.Sprint("file", i), &got); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("counters (-want +got)\n%s", diff)
			}
		})
	}
}

func TestParseNetstatErrors(t *testing.T) {
	long := "TcpExt: " + strings.Repeat("X", netstatMaxLine) + "\nTcpExt: 1\n"
	tests := []struct {
		name   string
		in     string
		reason error // DecodeError.Err, or nil for a plain ErrDecode error
		line   int64
		quote  string // DecodeError.Line, or what the message holds
		want   model.NetCounters
	}{
		{
			name: "values shorter than header", in: netfactsFile(t, "short-values-netstat"),
			reason: errNetstatCount, line: 2, quote: "TcpExt: 0 5 6",
		},
		{
			name: "not a number", in: netfactsFile(t, "bad-value-snmp"),
			reason: errNetstatValue, line: 4, quote: "Tcp: 1 200 120000 -1 89 7x 2 1 0",
		},
		{
			name: "values without header", in: netfactsFile(t, "orphan-values-snmp"),
			reason: errNetstatOrphan, line: 3, quote: "Tcp: 1 200 120000 -1 89 7 2 1 0",
		},
		{
			// The pairs before the bad line are kept, the bad pair is not.
			name: "bad value after good pairs", in: "TcpExt: TW\nTcpExt: 1\nTcp: ActiveOpens PassiveOpens\nTcp: 5 -6\n",
			reason: errNetstatValue, line: 4, quote: "Tcp: 5 -6", want: model.NetCounters{TW: 1},
		},
		{
			name: "values longer than header", in: "Tcp: ActiveOpens\nTcp: 1 2\n",
			reason: errNetstatCount, line: 2, quote: "Tcp: 1 2",
		},
		{
			name: "bad unknown value", in: "Udp: InDatagrams\nUdp: 0x10\n",
			reason: errNetstatValue, line: 2, quote: "Udp: 0x10",
		},
		{
			name: "plus sign", in: "Udp: InDatagrams\nUdp: +1\n",
			reason: errNetstatValue, line: 2, quote: "Udp: +1",
		},
		{
			name: "counter overflows", in: "Tcp: ActiveOpens\nTcp: 18446744073709551616\n",
			reason: errNetstatValue, line: 2, quote: "Tcp: 18446744073709551616",
		},
		{
			name: "header without values at the end", in: "Tcp: ActiveOpens\nTcp: 1\nTcpExt: TW\n",
			reason: errNetstatNoValues, line: 3, quote: "TcpExt: TW", want: model.NetCounters{ActiveOpens: 1},
		},
		{
			name: "header followed by another group", in: "TcpExt: TW\nIpExt: InNoRoutes\nIpExt: 0\n",
			reason: errNetstatNoValues, line: 1, quote: "TcpExt: TW",
		},
		{
			name: "header followed by a header of its group", in: "IcmpMsg: InType3\nIcmpMsg: OutType3\nIcmpMsg: 3\n",
			reason: errNetstatValue, line: 2, quote: "IcmpMsg: OutType3",
		},
		{
			name: "counter given twice", in: "TcpExt: TW\nTcpExt: 1\nTcpExt: TW\nTcpExt: 2\n",
			reason: errNetstatRepeated, line: 4, quote: "TcpExt: 2", want: model.NetCounters{TW: 1},
		},
		{
			name: "counter given twice in a line", in: "TcpExt: TW TW\nTcpExt: 1 1\n",
			reason: errNetstatRepeated, line: 2, quote: "TcpExt: 1 1",
		},
		{name: "no prefix", in: "TW 1\n", reason: errNetstatPrefix, line: 1, quote: "TW 1"},
		{name: "bare colon", in: ": TW\n: 1\n", reason: errNetstatPrefix, line: 1, quote: ": TW"},
		{name: "empty line", in: "Tcp: ActiveOpens\nTcp: 1\n\n", line: 3, quote: "empty line", want: model.NetCounters{ActiveOpens: 1}},
		{name: "empty file", in: "", quote: "file is empty"},
		{name: "line too long", in: long, line: 1, quote: "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got model.NetCounters
			err := parseNetstat(strings.NewReader(tt.in), "file", &got)
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("err = %v, want ErrDecode", err)
			}
			var de *DecodeError
			switch {
			case tt.reason == nil:
				if errors.As(err, &de) || !strings.Contains(err.Error(), tt.quote) {
					t.Errorf("err = %v, want a plain error saying %q", err, tt.quote)
				}
			case !errors.As(err, &de):
				t.Errorf("err = %v, want a DecodeError", err)
			default:
				if !errors.Is(err, tt.reason) || de.Where != "file" || de.Offset != tt.line || de.Line != tt.quote {
					t.Errorf("err = %v (line %d %q), want %v at line %d quoting %q", err, de.Offset, de.Line, tt.reason, tt.line, tt.quote)
				}
			}
			if tt.line != 0 && !strings.Contains(err.Error(), fmt.Sprintf("file line %d:", tt.line)) {
				t.Errorf("err = %v, want it to name file line %d", err, tt.line)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("counters after the error (-want +got)\n%s", diff)
			}
		})
	}
}

// The message names the file, the line and the bad value.
func TestParseNetstatMessage(t *testing.T) {
	var c model.NetCounters
	err := parseNetstat(strings.NewReader(netfactsFile(t, "bad-value-snmp")), "/proc/net/snmp", &c)
	const want = `/proc/net/snmp line 4: bad value "7x" for PassiveOpens: "Tcp: 1 200 120000 -1 89 7x 2 1 0"`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant   %s", err, want)
	}
}

// A long bad line is quoted cut.
func TestParseNetstatQuoteCut(t *testing.T) {
	in := "TcpExt: " + strings.Repeat("A ", 300) + "\nTcpExt: " + strings.Repeat("0 ", 299) + "\n"
	var c model.NetCounters
	err := parseNetstat(strings.NewReader(in), "f", &c)
	var de *DecodeError
	if !errors.As(err, &de) || !errors.Is(err, errNetstatCount) {
		t.Fatalf("err = %v, want a count mismatch", err)
	}
	if len(de.Line) != netstatQuoteMax+3 || !strings.HasSuffix(de.Line, "...") {
		t.Errorf("quoted %d bytes %q, want %d and ...", len(de.Line), de.Line, netstatQuoteMax+3)
	}
}

func TestParseSysctlInt(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"0", 0, false},
		{"131072", 131072, false},
		{"-1", -1, false},
		{"", 0, true},
		{"1 2", 0, true},
		{"0x10", 0, true},
		{"1_000", 0, true},
		{"twelve", 0, true},
		{"99999999999999999999", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSysctlInt("/proc/sys/net/core/somaxconn", tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrDecode) || !strings.Contains(err.Error(), `/proc/sys/net/core/somaxconn: "`+tt.in+`"`) {
					t.Errorf("err = %v, want ErrDecode naming the file and quoting %q", err, tt.in)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("= %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}
