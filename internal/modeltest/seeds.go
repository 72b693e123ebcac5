package modeltest

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// QuotedSeeds reads a seed file for a fuzz test: one Go string literal a
// line, blank lines and comments (#) skipped.
func QuotedSeeds(tb testing.TB, path string) []string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var seeds []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := strconv.Unquote(line)
		if err != nil {
			tb.Fatalf("%s:%d: %q: %v", path, n, line, err)
		}
		seeds = append(seeds, s)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return seeds
}
