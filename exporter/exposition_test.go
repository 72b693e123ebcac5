package exporter

import (
	"github.com/conntab/conntab/internal/modeltest"

	"bytes"
	"cmp"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	promodel "github.com/prometheus/common/model"
)

// readSeeds reads testdata/exporter/NAME: one Go string literal a line,
// comments after #.
func readSeeds(tb testing.TB, name string) []string {
	return modeltest.QuotedSeeds(tb, filepath.Join("..", "testdata", "exporter", name))
}

// oddValues are the values whose writing differs between the formats, or
// from strconv's: the infinities, NaN, -0, 1 and -1, and the extremes.
var oddValues = []float64{0, 1, -1, math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1),
	0.1, 1e6, 1e21, 1e-7, 123456789, math.MaxFloat64, math.SmallestNonzeroFloat64, -2.5}

// hostileFamilies is a gauge and a counter, both with help text help
// (made one newDesc takes: UTF-8, not empty, not starting with a blank),
// whose series have the label values label and label+"x" (and, the
// gauge, each of values).
func hostileFamilies(t testing.TB, help, label string, values []float64) []family {
	t.Helper()
	help = cmp.Or(strings.TrimLeft(strings.ToValidUTF8(help, "\uFFFD"), " \t"), "h")
	g := newDesc("conntab_hostile", help, gauge, "zone", "addr")
	c := newDesc("conntab_hostile_total", help, counter, "addr")
	var out sink
	for i, v := range values {
		out.add(g, v, strconv.Itoa(i), label)
	}
	out.add(g, 7, "", label+"x")
	out.add(c, 3, label)
	out.add(c, 4, label+"x")
	fams, err := gather(out.metrics)
	if err != nil || len(out.errs) > 0 {
		t.Fatalf("gather: %v %v", err, out.errs)
	}
	return fams
}

// checkExposition checks the two expositions of fams against Prometheus's
// own parser and encoders: the text format parses, gives back each help
// text, label value (as valid UTF-8) and value, and reads as client_golang
// would write it; OpenMetrics reads as client_golang would write the same
// families.
func checkExposition(t *testing.T, fams []family) {
	t.Helper()
	text := appendFamilies(nil, fams, false)
	parser := expfmt.NewTextParser(promodel.LegacyValidation)
	mfs, err := parser.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		t.Fatalf("parsing our exposition: %v\n%s", err, text)
	}
	var wantText, wantOM bytes.Buffer
	for _, f := range fams {
		mf := mfs[f.desc.name]
		if mf == nil {
			t.Fatalf("%s missing from\n%s", f.desc.name, text)
		}
		checkFamily(t, f, mf)
		if _, err := expfmt.MetricFamilyToText(&wantText, mf); err != nil {
			t.Fatal(err)
		}
		if _, err := expfmt.MetricFamilyToOpenMetrics(&wantOM, mf); err != nil {
			t.Fatal(err)
		}
	}
	wantOM.WriteString("# EOF\n")
	if diff := gocmp.Diff(wantText.String(), string(text)); diff != "" {
		t.Errorf("text format (-expfmt +ours)\n%s", diff)
	}
	if diff := gocmp.Diff(wantOM.String(), string(appendFamilies(nil, fams, true))); diff != "" {
		t.Errorf("OpenMetrics (-expfmt +ours)\n%s", diff)
	}
}

// checkFamily checks a family as Prometheus's parser read it against the
// family written.
func checkFamily(t *testing.T, f family, mf *dto.MetricFamily) {
	t.Helper()
	wantType := map[kind]dto.MetricType{gauge: dto.MetricType_GAUGE, counter: dto.MetricType_COUNTER}[f.desc.kind]
	if mf.GetHelp() != f.desc.help || mf.GetType() != wantType || len(mf.Metric) != len(f.metrics) {
		t.Fatalf("%s read back as help %q, %v, %d series; wrote %q, %v, %d",
			f.desc.name, mf.GetHelp(), mf.GetType(), len(mf.Metric), f.desc.help, f.desc.kind, len(f.metrics))
	}
	for i, m := range f.metrics {
		got := mf.Metric[i]
		var labels []string
		for _, l := range got.Label {
			labels = append(labels, l.GetName()+"="+l.GetValue())
		}
		var want []string
		for j, l := range f.desc.labels {
			want = append(want, l+"="+m.labels[j])
		}
		v := got.GetGauge().GetValue() + got.GetCounter().GetValue()
		if !slices.Equal(labels, want) || !(v == m.value || math.IsNaN(v) && math.IsNaN(m.value)) {
			t.Errorf("%s series %d read back as %q %v, wrote %q %v", f.desc.name, i, labels, v, want, m.value)
		}
	}
}

// Every hostile label value and help text of the seeds, and every odd
// value, reads back from both formats as it was written, and as
// client_golang wrote it.
func TestExpositionEscaping(t *testing.T) {
	seeds := readSeeds(t, "labels.txt")
	for i, s := range seeds {
		t.Run(fmt.Sprintf("%q", s), func(t *testing.T) {
			checkExposition(t, hostileFamilies(t, seeds[(i+1)%len(seeds)], s, oddValues))
		})
	}
}

func FuzzExpositionEscaping(f *testing.F) {
	seeds := readSeeds(f, "labels.txt")
	for i, s := range seeds {
		f.Add(s, seeds[(i+1)%len(seeds)], oddValues[i%len(oddValues)])
	}
	f.Fuzz(func(t *testing.T, label, help string, v float64) {
		checkExposition(t, hostileFamilies(t, help, label, []float64{v}))
	})
}
