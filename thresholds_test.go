package main

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/conntab/conntab/analyze"
)

// docs/flags.md's table of thresholds has a row for every field of
// analyze.Thresholds, with its --threshold name and its default.
func TestThresholdsDocumented(t *testing.T) {
	b, err := os.ReadFile("docs/flags.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(b), "| field | `--threshold` name | default | rule |")
	rows := map[string][]string{}
	for _, line := range strings.Split(table, "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.TrimSpace(c))
		}
		rows[cells[1]] = cells
	}
	th := analyze.DefaultThresholds()
	fields := reflect.TypeFor[analyze.Thresholds]()
	if len(rows) != fields.NumField() {
		t.Errorf("the table has %d rows for %d fields", len(rows), fields.NumField())
	}
	for i, name := range analyze.ThresholdNames() {
		row, ok := rows["`"+name+"`"]
		switch {
		case !ok:
			t.Errorf("no row for --threshold %s", name)
		case !strings.HasPrefix(row[2], th.Get(name)):
			t.Errorf("%s: default %q, want %s", name, row[2], th.Get(name))
		case row[0] != "`"+fields.Field(i).Name+"`":
			t.Errorf("%s: field %s, want `%s`", name, row[0], fields.Field(i).Name)
		}
	}
}
