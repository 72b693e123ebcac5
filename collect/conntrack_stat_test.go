package collect

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/conntab/conntab/model"
)

func TestParseConntrackStat(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "conntrack", "stat-drops.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var st model.ConntrackStats
	if err := parseConntrackStat(b, "stat-drops.txt", &st); err != nil {
		t.Fatal(err)
	}
	want := model.ConntrackStats{Read: true, InsertFailed: 0x11 + 1, Drop: 5 + 0xff, EarlyDrop: 2, SearchRestart: 1 + 0x10}
	if st != want || st.Refused() != 0x12+0x104 {
		t.Errorf("got %+v (refused %d), want %+v", st, st.Refused(), want)
	}
	for _, bad := range []string{
		"entries drop\n",
		"entries drop\n00000001\n",
		"entries drop\n00000001 0000zz01\n",
	} {
		err := parseConntrackStat([]byte(bad), "bad", &st)
		if err == nil {
			t.Errorf("%q: no error", bad)
			continue
		}
		if line := strings.Split(strings.TrimRight(bad, "\n"), "\n"); !strings.Contains(err.Error(), strconv.Quote(line[len(line)-1])) && !strings.Contains(err.Error(), strconv.Quote(bad)) {
			t.Errorf("%q: error %q does not quote the line", bad, err)
		}
	}
}

// FuzzParseConntrackStat: any file is summed or refused, never a panic,
// and a file taken has every count it sums.
func FuzzParseConntrackStat(f *testing.F) {
	for _, name := range []string{"stat-drops.txt", "stat-2cpu-idle.txt"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "conntrack", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("insert_failed\nffffffff\n00000001\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var st model.ConntrackStats
		if err := parseConntrackStat(b, "fuzz", &st); err != nil {
			if st.Read {
				t.Fatalf("refused, yet read: %+v", st)
			}
			return
		}
		if !st.Read {
			t.Fatal("taken, not read")
		}
	})
}
