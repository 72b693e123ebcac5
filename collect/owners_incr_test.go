package collect

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		line    string
		want    procStat
		wantErr string
	}{
		{
			line: "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 24 0 0 18446744073709551615 0\n",
			want: procStat{pid: 2, comm: []byte("kthreadd"), start: 24},
		},
		{
			line: "10 (kworker/0:0H-events_highpri) I 2 0 0 0 -1 69238880 0 0 0 0 0 0 0 0 0 -20 1 0 24 0 0\n",
			want: procStat{pid: 10, comm: []byte("kworker/0:0H-events_highpri"), start: 24},
		},
		{
			// A name with parentheses and spaces runs to the last ')'.
			line: "4242 (a) b (c)) S 1 4242 4242 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 775701 3133440 416\n",
			want: procStat{pid: 4242, comm: []byte("a) b (c)"), start: 775701},
		},
		{
			line: "7 (\x9b2J\xff;rm -rf /\n) S 1 7 7 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 18446744073709551615 0\n",
			want: procStat{pid: 7, comm: []byte("\x9b2J\xff;rm -rf /\n"), start: 1<<64 - 1},
		},
		{
			// Only what the buffer held: starttime ends in a space.
			line: "8 () Z 1 8 8 0 -1 4194308 0 0 0 0 0 0 0 0 20 0 1 0 7 ",
			want: procStat{pid: 8, comm: []byte{}, start: 7},
		},
		{line: "", wantErr: "no pid"},
		{line: "x (a) S", wantErr: "no pid"},
		{line: "1 a) S", wantErr: "no name"},
		{line: "1 (a S 1", wantErr: "no end to the name"},
		{line: "1 (a)S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n", wantErr: "field 3 missing"},
		{line: "1 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0\n", wantErr: "field 22 missing"},
		{line: "1 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5", wantErr: "field 22 empty or cut short"},
		{line: "1 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0  5 0\n", wantErr: "field 22 empty"},
		{line: "1 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -5 0\n", wantErr: "starttime not a number"},
		{line: "1 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 18446744073709551616 0\n", wantErr: "starttime not a number"},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.line), func(t *testing.T) {
			got, err := parseStat([]byte(tt.line))
			if tt.wantErr != "" {
				if !errors.Is(err, errStat) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want errStat saying %q", err, tt.wantErr)
				}
				if q := strconv.Quote(tt.line); len(q) < 100 && !strings.Contains(err.Error(), q) {
					t.Errorf("err = %v, want it to quote %s", err, q)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(procStat{})); diff != "" {
				t.Errorf("parseStat (-want +got):\n%s", diff)
			}
		})
	}
}

// formatStat writes a /proc/PID/stat line as do_task_stat does, with
// zeros for the fields the tracker does not read.
func formatStat(pid int32, comm string, start uint64) string {
	return fmt.Sprintf("%d (%s) S 1 %d %d 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 %d 0 0 18446744073709551615 0\n", pid, comm, pid, pid, start)
}

// FuzzParseStat: parseStat never panics on any line; what it accepts has
// the name between the first " (" and the last ")"; and whatever a
// process calls itself, its line reads back.
func FuzzParseStat(f *testing.F) {
	for i, q := range readSeeds(f, "stat.txt") {
		line, err := strconv.Unquote(q)
		if err != nil {
			f.Fatalf("stat.txt: %s: %v", q, err)
		}
		f.Add(line, int32(i), "seed", uint64(i))
	}
	f.Fuzz(func(t *testing.T, line string, pid int32, comm string, start uint64) {
		if st, err := parseStat([]byte(line)); err == nil {
			open, end := strings.Index(line, " ("), strings.LastIndex(line, ")")
			if open < 0 || end < open+2 {
				t.Fatalf("parseStat(%q) = %+v, from a line without \" (\" and \")\"", line, st)
			}
			if pid, _ := decimal32([]byte(line[:open])); pid != st.pid || string(st.comm) != line[open+2:end] {
				t.Errorf("parseStat(%q) = %+v", line, st)
			}
		}
		if pid < 0 {
			pid = -(pid + 1)
		}
		want := procStat{pid: pid, comm: []byte(comm), start: start}
		got, err := parseStat([]byte(formatStat(pid, comm, start)))
		if err != nil {
			t.Fatalf("parseStat(formatStat(%d, %q, %d)): %v", pid, comm, start, err)
		}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(procStat{})); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	})
}

func TestSortInodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := map[string][]uint64{
		"empty":      {},
		"one":        {42},
		"all equal":  {7, 7, 7, 7},
		"sorted":     {1, 2, 3, 4, 5},
		"reversed":   {5, 4, 3, 2, 1},
		"high bytes": {1 << 63, 1<<56 + 3, 1 << 40, 1<<64 - 1, 0, 1<<32 + 1},
	}
	for _, n := range []int{100, 130000} {
		a := make([]uint64, n)
		for i := range a {
			a[i] = uint64(rng.IntN(1 << 31))
		}
		inputs[fmt.Sprintf("%d random", n)] = a
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			want := slices.Sorted(slices.Values(in))
			got, _ := sortInodes(slices.Clone(in), make([]uint64, len(in)))
			if !slices.Equal(want, got) {
				t.Errorf("sortInodes(%v) = %v, want %v", in[:min(len(in), 8)], got[:min(len(got), 8)], want[:min(len(want), 8)])
			}
		})
	}
}

func TestDumpInodes(t *testing.T) {
	socks := []model.Socket{{Inode: 30}, {Inode: 0}, {Inode: 10}, {Inode: 30}, {Inode: 1<<40 + 20}, {Inode: 0}}
	want := []uint64{10, 30, 1<<40 + 20}
	got, spare := dumpInodes(socks, nil, nil)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dumpInodes (-want +got):\n%s", diff)
	}
	// Again, into the buffers the first call gave back: same result, and
	// the two buffers stay apart.
	again, spare2 := dumpInodes(socks, spare, nil)
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("dumpInodes into a spare buffer (-want +got):\n%s", diff)
	}
	if unsafe.SliceData(spare2) == unsafe.SliceData(again) {
		t.Error("dumpInodes returned its result as the spare buffer")
	}
	if got, _ := dumpInodes(nil, nil, nil); len(got) != 0 {
		t.Errorf("dumpInodes(nil) = %v", got)
	}
}

func TestNewUnowned(t *testing.T) {
	owners := func(inodes ...uint64) []model.Owner {
		var o []model.Owner
		for _, ino := range inodes {
			o = append(o, model.Owner{Inode: ino, PID: 1, FD: 3})
		}
		return o
	}
	tests := []struct {
		name       string
		dump       []uint64
		cur, prev  []model.Owner
		prevDump   []uint64
		wantUnseen []uint64
	}{
		{name: "all owned", dump: []uint64{1, 2, 3}, cur: owners(1, 2, 2, 3)},
		{name: "new and unowned", dump: []uint64{1, 2, 3}, cur: owners(1, 3), wantUnseen: []uint64{2}},
		{name: "unowned before too (hidden)", dump: []uint64{1, 2, 3}, cur: owners(1, 3), prevDump: []uint64{2}},
		{name: "owned before, closed since", dump: []uint64{1, 2, 3}, cur: owners(1, 3), prev: owners(2)},
		{name: "owners of sockets elsewhere", dump: []uint64{5, 9}, cur: owners(1, 2, 6, 8, 10), prev: owners(4, 7), prevDump: []uint64{3, 11}, wantUnseen: []uint64{5, 9}},
		{name: "nothing dumped", cur: owners(1)},
		{name: "no owners", dump: []uint64{1, 4}, prevDump: []uint64{1, 2, 3}, wantUnseen: []uint64{4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := newUnowned(tt.dump, tt.cur, tt.prev, tt.prevDump)
			if diff := cmp.Diff(tt.wantUnseen, got); diff != "" {
				t.Errorf("newUnowned (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKeptOwners(t *testing.T) {
	owners := []model.Owner{
		{Inode: 1, PID: 10, FD: 3, Comm: "old"},
		{Inode: 2, PID: 20, FD: 3, Comm: "gone"},
		{Inode: 3, PID: 10, FD: 4, Comm: "old"},
		{Inode: 3, PID: 30, FD: 5, Comm: "same"},
		{Inode: 4, PID: 10, FD: 5, Comm: "old"},
	}
	kept := map[int32]procEntry{10: {comm: "renamed"}, 30: {comm: "same"}}
	want := []model.Owner{
		{Inode: 1, PID: 10, FD: 3, Comm: "renamed"},
		{Inode: 3, PID: 10, FD: 4, Comm: "renamed"},
		{Inode: 3, PID: 30, FD: 5, Comm: "same"},
		{Inode: 4, PID: 10, FD: 5, Comm: "renamed"},
	}
	before := slices.Clone(owners)
	got := keptOwners(owners, kept, nil)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keptOwners (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, owners); diff != "" {
		t.Errorf("keptOwners changed its input (-before +after):\n%s", diff)
	}
}
