package collect

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSocketInode(t *testing.T) {
	tests := []struct {
		link   string
		want   uint64
		wantOK bool
	}{
		{"socket:[12345]", 12345, true},
		{"socket:[1]", 1, true},
		{"socket:[4294967296]", 1 << 32, true},
		{"socket:[18446744073709551615]", 1<<64 - 1, true},
		{"pipe:[9]", 0, false},
		{"/dev/null", 0, false},
		{"anon_inode:[eventfd]", 0, false},
		{"net:[4026531840]", 0, false},
		{"/tmp/socket:[1]", 0, false},
		{"socket:[12x]", 0, false},
		{"socket:[x12]", 0, false},
		{"socket:[]", 0, false},
		{"socket:[0]", 0, false},    // no socket has inode 0
		{"socket:[0123]", 0, false}, // the kernel never pads
		{"socket:[-1]", 0, false},
		{"socket:[ 1]", 0, false},
		{"socket:[18446744073709551616]", 0, false}, // overflows
		{"socket:[99999999999999999999]", 0, false},
		{"socket:[123", 0, false},
		{"socket:123]", 0, false},
		{"socket:[123]]", 0, false},
		{"socket:[123] (deleted)", 0, false},
		{"Socket:[123]", 0, false},
		{"socket:[", 0, false},
		{"socket:[]]", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := socketInode([]byte(tt.link))
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("socketInode(%q) = %d, %v; want %d, %v", tt.link, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestDecimal32(t *testing.T) {
	tests := []struct {
		name   string
		want   int32
		wantOK bool
	}{
		{"1", 1, true},
		{"22", 22, true},
		{"0", 0, true},
		{"4194304", 4194304, true}, // PID_MAX_LIMIT
		{"2147483647", 1<<31 - 1, true},
		{"2147483648", 0, false},
		{"4294967296", 0, false},
		{"0000000000000042", 42, true}, // never in /proc, but a number all the same
		{"99999999999", 0, false},
		{"self", 0, false},
		{"thread-self", 0, false},
		{"1a", 0, false},
		{"a1", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"", 0, false},
		{"１２", 0, false}, // fullwidth digits are no digits
	}
	for _, tt := range tests {
		got, ok := decimal32([]byte(tt.name))
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("decimal32(%q) = %d, %v; want %d, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

// appendDirent appends a struct linux_dirent64 record for name, as
// getdents64(2) fills its buffer: inode, offset, length, type, the name
// and its NUL, padded to 8 bytes. It is eachDirent's inverse, for tests.
func appendDirent(b []byte, ino uint64, name string) []byte {
	reclen := (direntHeader + len(name) + 1 + 7) &^ 7
	start := len(b)
	b = binary.NativeEndian.AppendUint64(b, ino)
	b = binary.NativeEndian.AppendUint64(b, uint64(start+reclen))
	b = binary.NativeEndian.AppendUint16(b, uint16(reclen))
	b = append(b, 10) // DT_LNK
	b = append(b, name...)
	for len(b) < start+reclen {
		b = append(b, 0)
	}
	return b
}

// direntNames returns what eachDirent yields for buf, checking that every
// name is followed by its NUL.
func direntNames(t testing.TB, buf []byte) ([]string, error) {
	t.Helper()
	var names []string
	err := eachDirent(buf, func(name []byte) {
		if c := name[:len(name)+1][len(name)]; c != 0 {
			t.Fatalf("name %q is followed by %q, not NUL", name, c)
		}
		if bytes.IndexByte(name, 0) >= 0 {
			t.Fatalf("name %q holds a NUL", name)
		}
		names = append(names, string(name))
	})
	return names, err
}

func TestEachDirent(t *testing.T) {
	var valid []byte
	for i, name := range []string{".", "..", "0", "1", "255", "self", "a-much-longer-name-than-eight"} {
		valid = appendDirent(valid, uint64(100+i), name)
	}
	tests := []struct {
		name    string
		buf     []byte
		want    []string
		wantErr string
	}{
		{name: "empty", buf: nil},
		{name: "records", buf: valid, want: []string{"0", "1", "255", "self", "a-much-longer-name-than-eight"}},
		{name: "dots only", buf: appendDirent(appendDirent(nil, 1, "."), 2, ".."), want: nil},
		{
			name: "short header", buf: append(appendDirent(nil, 1, "7"), make([]byte, 10)...), want: []string{"7"},
			wantErr: "10 bytes left at offset 24, want a 19-byte header",
		},
		{
			name: "record overruns", buf: appendDirent(nil, 1, "7")[:20], want: nil,
			wantErr: "record length 24 at offset 0 (20 bytes left)",
		},
		{
			name: "record length zero", buf: func() []byte {
				b := appendDirent(nil, 1, "7")
				b[16], b[17] = 0, 0
				return b
			}(),
			wantErr: "record length 0 at offset 0",
		},
		{
			name: "no NUL", buf: func() []byte {
				b := appendDirent(nil, 1, "1234")
				for i := direntHeader; i < len(b); i++ {
					b[i] = '9'
				}
				return b
			}(),
			wantErr: "name without NUL at offset 0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := direntNames(t, tt.buf)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, errDirent)):
				t.Errorf("err = %v, want errDirent with %q", err, tt.wantErr)
			}
		})
	}
}

// readSeeds reads the lines of a testdata/owners file that are not
// comments.
func readSeeds(tb testing.TB, name string) []string {
	tb.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "owners", name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "#") {
			lines = append(lines, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return lines
}

// FuzzSocketInode: socketInode never panics, and accepts exactly the
// kernel's spelling of a socket: what it accepts prints back to the same
// text, and every inode but 0 printed that way is read back.
func FuzzSocketInode(f *testing.F) {
	for i, link := range readSeeds(f, "links.txt") {
		f.Add(link, uint64(i))
	}
	f.Fuzz(func(t *testing.T, link string, n uint64) {
		if ino, ok := socketInode([]byte(link)); ok {
			if canon := "socket:[" + strconv.FormatUint(ino, 10) + "]"; ino == 0 || canon != link {
				t.Errorf("socketInode(%q) = %d, which prints as %q", link, ino, canon)
			}
		}
		want := n != 0
		if got, ok := socketInode([]byte("socket:[" + strconv.FormatUint(n, 10) + "]")); ok != want || ok && got != n {
			t.Errorf("socketInode(socket:[%d]) = %d, %v", n, got, ok)
		}
	})
}

// FuzzDecimal32: decimal32 never panics and agrees with strconv on every
// name made of ASCII digits only.
func FuzzDecimal32(f *testing.F) {
	for _, name := range readSeeds(f, "names.txt") {
		f.Add(name)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, ok := decimal32([]byte(name))
		allDigits := name != "" && strings.Trim(name, "0123456789") == ""
		want, err := strconv.ParseInt(name, 10, 32)
		wantOK := allDigits && err == nil
		if ok != wantOK || ok && int64(got) != want {
			t.Errorf("decimal32(%q) = %d, %v; strconv: %d, %v", name, got, ok, want, err)
		}
	})
}

// FuzzEachDirent: eachDirent never panics on any buffer, and reads back
// every name of a buffer appendDirent made. Names are given joined by '/',
// which no file name holds.
func FuzzEachDirent(f *testing.F) {
	names := readSeeds(f, "names.txt")
	f.Add(strings.Join(names, "/"), appendDirentNames(names))
	for _, name := range names {
		f.Add(name, appendDirent(nil, 1, name))
	}
	f.Fuzz(func(t *testing.T, joined string, raw []byte) {
		direntNames(t, raw) // any result, no panic

		names := strings.Split(joined, "/")
		var want []string
		for _, n := range names {
			if strings.IndexByte(n, 0) >= 0 || len(n) > 255 {
				return // not a file name
			}
			if n != "." && n != ".." {
				want = append(want, n)
			}
		}
		got, err := direntNames(t, appendDirentNames(names))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("names (-want +got):\n%s", diff)
		}
	})
}

func appendDirentNames(names []string) []byte {
	var b []byte
	for i, n := range names {
		b = appendDirent(b, uint64(i+1), n)
	}
	return b
}
