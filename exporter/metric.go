package exporter

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// kind is a metric family's type: conntab reports gauges and counters
// only.
type kind uint8

const (
	gauge kind = iota
	counter
)

func (k kind) String() string {
	if k == counter {
		return "counter"
	}
	return "gauge"
}

// desc describes a metric family: its name, help, type and label names.
// A collector makes its descs once, in its constructor.
type desc struct {
	name, help string
	kind       kind
	// labels are the label names sorted, as the exposition writes them;
	// order[i] is where labels[i] is among the values a collector passes.
	labels []string
	order  []int
}

// newDesc returns the desc of a family; labels are in the order the
// collector passes their values. The names and help are conntab's own, so
// one that Prometheus would not read back as written is a programming
// error, and panics: a name it does not accept, a counter not named
// _total, a help text that is empty, starts with a blank (the parser
// takes it for the separator) or is not UTF-8.
func newDesc(name, help string, k kind, labels ...string) *desc {
	if !validName(name, true) || k == counter && !strings.HasSuffix(name, "_total") {
		panic(fmt.Sprintf("exporter: metric name %q is not valid for a %v", name, k))
	}
	if help == "" || help[0] == ' ' || help[0] == '\t' || !utf8.ValidString(help) {
		panic(fmt.Sprintf("exporter: the help of %s, %q, would not read back", name, help))
	}
	d := &desc{name: name, help: help, kind: k, order: make([]int, len(labels))}
	for i := range d.order {
		d.order[i] = i
	}
	slices.SortFunc(d.order, func(a, b int) int { return strings.Compare(labels[a], labels[b]) })
	for i, j := range d.order {
		l := labels[j]
		if !validName(l, false) || strings.HasPrefix(l, "__") || i > 0 && l == d.labels[i-1] {
			panic(fmt.Sprintf("exporter: label %q of %s is not valid or repeated", l, name))
		}
		d.labels = append(d.labels, l)
	}
	return d
}

// validName reports whether s is a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*),
// or, without colons, a label name: the names every exposition format
// and every Prometheus accepts unquoted.
func validName(s string, colons bool) bool {
	for i, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || colons && c == ':' || i > 0 && c >= '0' && c <= '9'
		if !ok {
			return false
		}
	}
	return s != ""
}

// metric is one series of a family and its value.
type metric struct {
	desc *desc
	// labels are the values, in the order of desc.labels, made valid
	// UTF-8 (an invalid byte is U+FFFD).
	labels []string
	value  float64
}

// sink gathers the metrics of a scrape from its collectors.
type sink struct {
	metrics []metric
	errs    []error
}

// add adds the series of d with the label values given (in the order d
// was made with) and its value. The wrong number of values is an error,
// and the series is left out.
func (s *sink) add(d *desc, v float64, labels ...string) {
	if len(labels) != len(d.labels) {
		s.errs = append(s.errs, fmt.Errorf("%s: %d label values for %d labels %v", d.name, len(labels), len(d.labels), d.labels))
		return
	}
	m := metric{desc: d, value: v, labels: make([]string, len(labels))}
	for i, j := range d.order {
		m.labels[i] = strings.ToValidUTF8(labels[j], "\uFFFD")
	}
	s.metrics = append(s.metrics, m)
}

// family is a metric family as written: its desc and its series, sorted
// by their label values.
type family struct {
	desc    *desc
	metrics []metric
}

// gather sorts the metrics of a scrape into families, by name, and each
// family's series by their label values (the order client_golang's
// registry used, so that an exposition changes only when the namespace
// does). A series that repeats another, or the series of a second desc of
// the same name, is an error and left out; the rest are returned.
func gather(metrics []metric) ([]family, error) {
	first := make(map[*desc]int) // a desc's rank: the first desc of a name wins
	for i, m := range metrics {
		if _, ok := first[m.desc]; !ok {
			first[m.desc] = i
		}
	}
	slices.SortStableFunc(metrics, func(a, b metric) int {
		if c := strings.Compare(a.desc.name, b.desc.name); c != 0 {
			return c
		}
		if c := cmp.Compare(first[a.desc], first[b.desc]); c != 0 {
			return c
		}
		return slices.Compare(a.labels, b.labels)
	})
	var fams []family
	var errs []error
	for i, m := range metrics {
		if i == 0 || m.desc.name != metrics[i-1].desc.name {
			fams = append(fams, family{desc: m.desc, metrics: []metric{m}})
			continue
		}
		f, prev := &fams[len(fams)-1], metrics[i-1]
		switch {
		case m.desc != f.desc:
			if m.desc != prev.desc {
				errs = append(errs, fmt.Errorf("%s: described twice (%q)", m.desc.name, m.desc.help))
			}
		case slices.Equal(m.labels, prev.labels):
			errs = append(errs, fmt.Errorf("%s%s: collected twice", m.desc.name, labelText(m)))
		default:
			f.metrics = append(f.metrics, m)
		}
	}
	return fams, errors.Join(errs...)
}

// labelText is a series' labels as an error message shows them.
func labelText(m metric) string {
	pairs := make([]string, len(m.labels))
	for i, l := range m.desc.labels {
		pairs[i] = fmt.Sprintf("%s=%q", l, m.labels[i])
	}
	return "{" + strings.Join(pairs, ",") + "}"
}
