package collect

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/conntab/conntab/model"
)

// decodeErrors splits a parse error into its DecodeErrors and the rest.
func procDecodeErrors(err error) (des []*DecodeError, others []error) {
	var walk func(error)
	walk = func(err error) {
		if de, ok := err.(*DecodeError); ok {
			des = append(des, de)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		others = append(others, err)
	}
	if err != nil {
		walk(err)
	}
	return des, others
}

// badLine is an expected DecodeError: line number and reason. The quoted
// line is checked against the fixture's line of that number.
type procBadLine struct {
	Line   int64
	Reason error
}

func TestParseProcNetMalformed(t *testing.T) {
	listen := func(port, inode uint64) model.Socket {
		return procSock(procTCP, procIn4, fmt.Sprintf("127.0.0.1:%d", port), "0.0.0.0:0", model.StateListen, 0, 0, 0, 0, 0, 0, inode)
	}
	est := func(inode uint64, retrans uint8, uid uint32) model.Socket {
		return procSock(procTCP, procIn4, "127.0.0.1:8080", "127.0.0.1:40001", model.StateEstablished, 0, 0, model.TimerKeepalive, 14970*procMS, retrans, uid, inode)
	}
	tests := []struct {
		file   string
		proto  model.Proto
		family model.Family
		states model.StateSet
		want   []model.Socket
		bad    []procBadLine
	}{
		{
			file: "tcp-bad-columns", proto: procTCP, family: procIn4, states: model.AllStateSet,
			want: []model.Socket{
				listen(8080, 100),
				procSock(procTCP, procIn4, "127.0.0.1:40002", "127.0.0.1:8080", model.StateTimeWait, 0, 0, model.TimerTimewait, 59980*procMS, 0, 0, 0),
			},
			bad: []procBadLine{
				{3, errProcLocal}, {4, errProcFields}, {5, errProcState}, {6, errProcFields},
				{7, errProcSl}, {8, errProcEmpty}, {9, errProcRemote}, {10, errProcState},
			},
		},
		{
			// Unwanted rows are dropped once their state is read: the
			// columns up to it (sl, the addresses' shape, st) are always
			// checked, the rest only on wanted rows.
			file: "tcp-bad-columns", proto: procTCP, family: procIn4, states: model.NewStateSet(model.StateTimeWait),
			want: []model.Socket{
				procSock(procTCP, procIn4, "127.0.0.1:40002", "127.0.0.1:8080", model.StateTimeWait, 0, 0, model.TimerTimewait, 59980*procMS, 0, 0, 0),
			},
			bad: []procBadLine{{5, errProcState}, {6, errProcFields}, {7, errProcSl}, {8, errProcEmpty}, {9, errProcRemote}, {10, errProcState}},
		},
		{
			file: "tcp-bad-numbers", proto: procTCP, family: procIn4, states: model.AllStateSet,
			want: []model.Socket{est(206, 0, 0), est(209, 255, 1000)},
			bad: []procBadLine{
				{2, errProcQueues}, {3, errProcUID}, {4, errProcInode}, {5, errProcRetrans},
				{6, errProcTimer}, {7, errProcTimeout}, {9, errProcInode}, {10, errProcTimer},
			},
		},
		{
			file: "udp-bad-state", proto: procUDP, family: procIn4, states: model.AllStateSet,
			want: []model.Socket{
				procSock(procUDP, procIn4, "127.0.0.1:40051", "127.0.0.1:5353", model.StateEstablished, 0, 0, model.TimerNone, 0, 0, 0, 17769),
				procSock(procUDP, procIn4, "127.0.0.1:5353", "0.0.0.0:0", model.StateUnconn, 0, 832, model.TimerNone, 0, 0, 0, 17768),
			},
			bad: []procBadLine{{3, errProcState}},
		},
		{
			file: "tcp6-v4-addresses", proto: procTCP, family: procIn6, states: model.AllStateSet,
			want: []model.Socket{procSock(procTCP, procIn6, "[::1]:8443", "[::]:0", model.StateListen, 0, 0, model.TimerNone, 0, 0, 0, 17760)},
			bad:  []procBadLine{{2, errProcLocal}},
		},
		{
			// The file read as the wrong family: every line is refused.
			file: "tcp6-v4-addresses", proto: procTCP, family: procIn4, states: model.AllStateSet,
			want: []model.Socket{listen(8080, 100)},
			bad:  []procBadLine{{3, errProcLocal}},
		},
		{
			// A header-less file is reported; its lines still count.
			file: "tcp-no-header", proto: procTCP, family: procIn4, states: model.AllStateSet,
			want: []model.Socket{listen(8080, 100), listen(8081, 101)},
			bad:  []procBadLine{{1, errProcHeader}},
		},
		{
			file: "tcp-header-only", proto: procTCP, family: procIn4, states: model.AllStateSet,
		},
		{
			// The last line lost its tail (and newline) mid-inode.
			file: "tcp-cut-short", proto: procTCP, family: procIn4, states: model.AllStateSet,
			want: []model.Socket{listen(8080, 100)},
			bad:  []procBadLine{{3, errProcFields}},
		},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%v/%v", tc.file, tc.family, tc.states), func(t *testing.T) {
			path := filepath.Join("..", "testdata", "proc", "malformed", tc.file)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(b), "\n")
			got, err := parseProcNet(nil, bytes.NewReader(b), path, tc.proto, tc.family, tc.states)
			if diff := cmp.Diff(tc.want, got, procCmp); diff != "" {
				t.Errorf("sockets mismatch (-want +got):\n%s", diff)
			}
			if (err != nil) != (len(tc.bad) > 0) {
				t.Fatalf("err = %v, want %d bad lines", err, len(tc.bad))
			}
			if err != nil && !errors.Is(err, ErrDecode) {
				t.Errorf("errors.Is(%v, ErrDecode) = false", err)
			}
			des, others := procDecodeErrors(err)
			if len(others) > 0 {
				t.Errorf("errors that are not DecodeErrors: %v", others)
			}
			var gotBad []procBadLine
			for _, de := range des {
				gotBad = append(gotBad, procBadLine{de.Offset, de.Err})
				if de.Where != path {
					t.Errorf("line %d: Where = %q, want %q", de.Offset, de.Where, path)
				}
				if want := strings.TrimRight(lines[de.Offset-1], " "); de.Line != want {
					t.Errorf("line %d: Line = %q, want %q", de.Offset, de.Line, want)
				}
				if !strings.Contains(de.Error(), path) || !strings.Contains(de.Error(), de.Err.Error()) {
					t.Errorf("line %d: Error() = %q, want it to name the file and the reason", de.Offset, de.Error())
				}
			}
			if diff := cmp.Diff(tc.bad, gotBad, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("bad lines mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

const procHeader4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"

// procListenLine is a good LISTEN line on 127.0.0.1:port.
func procListenLine(sl int, port uint16, inode int) string {
	return fmt.Sprintf("%4d: 0100007F:%04X 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 100 0 0 10 0\n", sl, port, inode)
}

func TestParseProcNetEdges(t *testing.T) {
	listen := func(port uint16, inode uint64) model.Socket {
		return procSock(procTCP, procIn4, fmt.Sprintf("127.0.0.1:%d", port), "0.0.0.0:0", model.StateListen, 0, 0, 0, 0, 0, 0, inode)
	}
	long := strings.Repeat("A", 2000)
	huge := strings.Repeat("B", 300<<10) // longer than the read buffer
	tests := []struct {
		name  string
		input string
		want  []model.Socket
		bad   []procBadLine
		quote string // the start of every bad line's quote
	}{
		{
			name:  "no final newline",
			input: procHeader4 + strings.TrimSuffix(procListenLine(0, 80, 7), "\n"),
			want:  []model.Socket{listen(80, 7)},
		},
		{
			name:  "line too long",
			input: procHeader4 + procListenLine(0, 80, 7) + long + "\n" + procListenLine(2, 81, 8),
			want:  []model.Socket{listen(80, 7), listen(81, 8)},
			bad:   []procBadLine{{3, errProcLong}},
			quote: strings.Repeat("A", procQuoteMax) + "...",
		},
		{
			name:  "line longer than the buffer",
			input: procHeader4 + procListenLine(0, 80, 7) + huge + "\n" + procListenLine(2, 81, 8),
			want:  []model.Socket{listen(80, 7), listen(81, 8)},
			bad:   []procBadLine{{3, errProcLong}},
			quote: strings.Repeat("B", procQuoteMax) + "...",
		},
		{
			name:  "line longer than the buffer at the end",
			input: procHeader4 + procListenLine(0, 80, 7) + huge,
			want:  []model.Socket{listen(80, 7)},
			bad:   []procBadLine{{3, errProcLong}},
			quote: strings.Repeat("B", procQuoteMax) + "...",
		},
		{
			name:  "header twice",
			input: procHeader4 + procListenLine(0, 80, 7) + procHeader4,
			want:  []model.Socket{listen(80, 7)},
			bad:   []procBadLine{{3, errProcSl}},
			quote: "  sl  local_address",
		},
		{
			name:  "lowercase hex",
			input: procHeader4 + "   0: 0100007f:1f90 00000000:0000 0a 00000000:00000000 00:00000000 00000000     0        0 5 1 0\n",
			want:  []model.Socket{listen(8080, 5)},
		},
		{
			name:  "NUL in a field",
			input: procHeader4 + "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5\x00 1 0\n",
			bad:   []procBadLine{{2, errProcInode}},
			quote: "   0: 0100007F",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseProcNet(nil, strings.NewReader(tc.input), "test", procTCP, procIn4, model.AllStateSet)
			if diff := cmp.Diff(tc.want, got, procCmp); diff != "" {
				t.Errorf("sockets mismatch (-want +got):\n%s", diff)
			}
			des, others := procDecodeErrors(err)
			if len(others) > 0 {
				t.Errorf("unexpected errors: %v", others)
			}
			var gotBad []procBadLine
			for _, de := range des {
				gotBad = append(gotBad, procBadLine{de.Offset, de.Err})
				if !strings.HasPrefix(de.Line, tc.quote) || len(de.Line) > procQuoteMax+3 {
					t.Errorf("line %d quoted as %.40q... (%d bytes), want it to start %.40q and hold at most %d", de.Offset, de.Line, len(de.Line), tc.quote, procQuoteMax+3)
				}
			}
			if diff := cmp.Diff(tc.bad, gotBad, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("bad lines mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestProcHex8 checks the eight-at-once hex decoder against strconv for
// every byte value in every position.
func TestProcHex8(t *testing.T) {
	base := []byte("0123abCD")
	for pos := range 8 {
		for c := range 256 {
			in := slices.Clone(base)
			in[pos] = byte(c)
			want, err := strconv.ParseUint(string(in), 16, 32)
			got, ok := procHex8(in)
			if ok != (err == nil) || uint64(got) != want && ok {
				t.Fatalf("procHex8(%q) = %#x, %v; want %#x, %v", in, got, ok, want, err == nil)
			}
		}
	}
	for _, in := range []string{"00000000", "FFFFFFFF", "ffffffff", "0100007F", "DEADbeef", "7fffffff"} {
		want, _ := strconv.ParseUint(in, 16, 32)
		if got, ok := procHex8([]byte(in)); !ok || uint64(got) != want {
			t.Errorf("procHex8(%q) = %#x, %v; want %#x", in, got, ok, want)
		}
	}
}

func TestParseProcNetEmpty(t *testing.T) {
	got, err := parseProcNet(nil, strings.NewReader(""), "/proc/net/tcp", procTCP, procIn4, model.AllStateSet)
	if len(got) != 0 || !errors.Is(err, ErrDecode) || !strings.Contains(fmt.Sprint(err), "/proc/net/tcp") {
		t.Errorf("parseProcNet(empty) = %v, %v; want no sockets and an ErrDecode naming the file", got, err)
	}
}

// TestParseProcNetErrorCap checks one file reports at most procMaxErrors
// lines, then how many more there were.
func TestParseProcNetErrorCap(t *testing.T) {
	var in strings.Builder
	in.WriteString(procHeader4)
	for i := range 25 {
		if i%2 == 0 {
			in.WriteString(procListenLine(i, uint16(1000+i), i))
		} else {
			fmt.Fprintf(&in, "%4d: garbage\n", i)
		}
	}
	got, err := parseProcNet(nil, strings.NewReader(in.String()), "capped", procTCP, procIn4, model.AllStateSet)
	if len(got) != 13 {
		t.Errorf("got %d sockets, want the 13 good lines", len(got))
	}
	des, others := procDecodeErrors(err)
	var lines []int64
	for _, de := range des {
		lines = append(lines, de.Offset)
	}
	if diff := cmp.Diff([]int64{3, 5, 7, 9, 11, 13, 15, 17, 19, 21}, lines); diff != "" {
		t.Errorf("reported lines mismatch (-want +got):\n%s", diff)
	}
	if len(others) != 1 || !errors.Is(others[0], ErrDecode) || !strings.Contains(others[0].Error(), "and 2 more malformed lines") {
		t.Errorf("final errors = %v, want one ErrDecode saying \"and 2 more malformed lines\"", others)
	}
}

// errAfterReader returns its data, then err.
type procErrReader struct {
	data []byte
	err  error
}

func (r *procErrReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestParseProcNetReadError(t *testing.T) {
	boom := errors.New("boom")
	in := procHeader4 + procListenLine(0, 80, 7) + procListenLine(1, 81, 8)
	got, err := parseProcNet(nil, &procErrReader{[]byte(in), boom}, "flaky", procTCP, procIn4, model.AllStateSet)
	if !errors.Is(err, boom) || errors.Is(err, ErrDecode) {
		t.Errorf("err = %v, want it to wrap the read error and not ErrDecode", err)
	}
	if len(got) != 2 {
		t.Errorf("got %d sockets, want the 2 read before the error", len(got))
	}
}

func TestParseProcNetBadArgs(t *testing.T) {
	for _, tc := range []struct {
		proto  model.Proto
		family model.Family
	}{{0, procIn4}, {procTCP, 0}, {model.Proto(132), procIn6}} {
		in := procHeader4 + procListenLine(0, 80, 7)
		got, err := parseProcNet(nil, strings.NewReader(in), "x", tc.proto, tc.family, model.AllStateSet)
		if err == nil || len(got) != 0 {
			t.Errorf("parseProcNet(%v, %v) = %v, %v; want an error", tc.proto, tc.family, got, err)
		}
	}
}
