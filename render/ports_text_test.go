package render

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/internal/reporttest"
	"github.com/conntab/conntab/model"
)

func renderPorts(r *analyze.PortsReport, o PortsTextOptions) []byte {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	PortsText(w, r, o)
	w.Flush()
	return b.Bytes()
}

func TestPortsGolden(t *testing.T) {
	text := PortsTextOptions{Source: model.SourceNetlink, Top: 20, Width: MaxWidth, Thresholds: analyze.DefaultThresholds()}
	withTop := func(n int) PortsTextOptions { o := text; o.Top = n; return o }
	interval := text
	interval.Samples = 5 * time.Second
	clean := text
	clean.NetNS, clean.Source = "blue", model.SourceProc
	for _, tt := range []struct {
		name   string
		report *analyze.PortsReport
		text   *PortsTextOptions // nil for JSON
	}{
		{"ports.txt", reporttest.PortsReport(), &text},
		{"ports_top1.txt", reporttest.PortsReport(), ptr(withTop(1))},
		{"ports_interval.txt", reporttest.PortsReportInterval(), &interval},
		{"ports_clean.txt", reporttest.PortsReportClean(), &clean},
		{"ports.json", reporttest.PortsReport(), nil},
		{"ports_interval.json", reporttest.PortsReportInterval(), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.text != nil {
				reporttest.Golden(t, tt.name, renderPorts(tt.report, *tt.text))
				return
			}
			var b bytes.Buffer
			if err := PortsDocument(&b, tt.report); err != nil {
				t.Fatal(err)
			}
			reporttest.Golden(t, tt.name, b.Bytes())
		})
	}
}

func ptr[T any](v T) *T { return &v }

// The text wraps its prose at the width it is given, and never breaks a
// counter from its rate.
func TestPortsTextWraps(t *testing.T) {
	for _, width := range []int{60, 80, 100} {
		out := renderPorts(reporttest.PortsReportInterval(), PortsTextOptions{Top: 20, Width: width, Samples: 5 * time.Second, Thresholds: analyze.DefaultThresholds()})
		tables := false
		for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
			switch {
			case strings.HasPrefix(line, "LOCAL"):
				tables = true // table rows run as wide as they need
			case line == "" || line == "FINDINGS":
				tables = false
			}
			if n := len([]rune(line)); !tables && n > width && strings.Contains(line, " ") {
				t.Errorf("width %d: a line of %d: %q", width, n, line)
			}
			if strings.HasPrefix(strings.TrimSpace(line), "(+") {
				t.Errorf("width %d: a rate broken from its counter: %q", width, line)
			}
		}
	}
}
