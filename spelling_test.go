package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// One spelling, utilisation, everywhere: the metrics
// (conntab_pool_utilisation_ratio), the JSON, the Go names, the docs. The
// JSON's first spelling, utilization, stays only as the deprecated
// duplicate docs/json.md promises to keep (fields are never renamed or
// removed): on lines that say so (or follow one that does), or beside
// the new spelling.
func TestOneSpelling(t *testing.T) {
	american := regexp.MustCompile(`(?i)utiliz`)
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata"):
			return filepath.SkipDir
		case d.IsDir() || strings.HasSuffix(path, "_test.go"):
			return nil
		case !strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, ".md") && !strings.HasSuffix(path, ".yml") && !strings.HasSuffix(path, ".1"):
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		lines := strings.Split(strings.ToLower(string(b)), "\n")
		for i, line := range lines {
			said := strings.Contains(line, "deprecated") || i > 0 && strings.Contains(lines[i-1], "deprecated")
			if american.MatchString(line) && !said && !strings.Contains(line, "utilis") {
				t.Errorf("%s:%d: %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
