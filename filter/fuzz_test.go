package filter

import (
	"bufio"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse: parsing never panics, and whatever parses has a canonical
// spelling that parses back to the same filter and spells itself the same.
func FuzzParse(f *testing.F) {
	file, err := os.Open("../testdata/filter/expressions.txt")
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		if line := sc.Text(); !strings.HasPrefix(line, "#") {
			f.Add(line)
		}
	}
	file.Close()
	prefixes := cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 512 {
			return
		}
		flt, err := Parse(s)
		if err != nil {
			if se, ok := err.(*SyntaxError); !ok || se.Col < 1 || se.Col > len(s)+1 {
				t.Fatalf("Parse(%q): error %v does not point into the input", s, err)
			}
			return
		}
		canon := flt.String()
		again, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not parse: %v", s, canon, err)
		}
		if diff := cmp.Diff(flt, again, prefixes, positions); diff != "" {
			t.Fatalf("Parse(%q) = %q, which parses differently (-first +again)\n%s", s, canon, diff)
		}
		if again.String() != canon {
			t.Fatalf("%q spells itself %q", canon, again.String())
		}
		if _, err := flt.Compile(labeler()); err != nil && !strings.Contains(err.Error(), "unknown service") {
			t.Fatalf("Compile(%q): %v", s, err)
		}
	})
}
