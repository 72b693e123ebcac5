package collect

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/conntab/conntab/model"
)

// FuzzParseNetstat: parseNetstat never panics, fails only with ErrDecode
// (a DecodeError naming a line of the input), and when it succeeds every
// kept counter is what a plain reading of the input's line pairs says.
func FuzzParseNetstat(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "netfacts", "*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds in testdata/netfacts: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("TcpExt: TW TW\nTcpExt: 1 2\n")
	f.Add("Tcp: ActiveOpens\r\nTcp: 7\r\n")
	f.Add("Tcp: MaxConn ActiveOpens\nTcp: -1 -1\n")
	f.Fuzz(func(t *testing.T, in string) {
		var got model.NetCounters
		err := parseNetstat(strings.NewReader(in), "f", &got)
		lines := strings.Split(in, "\n")
		if lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		if err != nil {
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("error %v is not ErrDecode", err)
			}
			var de *DecodeError
			if errors.As(err, &de) && (de.Where != "f" || de.Offset < 1 || de.Offset > int64(len(lines)) || len(de.Line) > netstatQuoteMax+3) {
				t.Fatalf("bad DecodeError %#v for %d lines", de, len(lines))
			}
			return
		}
		if len(lines) == 0 || len(lines)%2 != 0 {
			t.Fatalf("accepted %d lines, want pairs", len(lines))
		}
		// The plain reading: line pairs of group and names, group and
		// values; the last value given for a counter.
		values := map[string]string{}
		for i := 0; i < len(lines); i += 2 {
			names, vals := strings.Fields(lines[i]), strings.Fields(lines[i+1])
			if len(names) != len(vals) || names[0] != vals[0] {
				t.Fatalf("accepted the pair %q, %q", lines[i], lines[i+1])
			}
			for j := 1; j < len(names); j++ {
				values[names[0]+" "+names[j]] = vals[j]
			}
		}
		for _, fld := range netstatFields {
			var want uint64
			if v, ok := values[fld.group+" "+fld.name]; ok {
				if want, err = strconv.ParseUint(v, 10, 64); err != nil {
					t.Fatalf("accepted %s %s = %q", fld.group, fld.name, v)
				}
			}
			if got := *fld.get(&got); got != want {
				t.Errorf("%s %s = %d, the input says %d", fld.group, fld.name, got, want)
			}
		}
	})
}
