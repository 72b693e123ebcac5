package exporter

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"log"
	"math"
	"strconv"
	"strings"
	"sync"
)

// exposition is a scrape's metrics as served: gathered once, and encoded
// once for each format and content coding asked for. The requests that
// share a sample share these bytes too, so a scrape that waited for a
// sample costs little more than writing them.
type exposition struct {
	gather   sync.Once
	families []family
	err      error // from gathering; the families gathered are still served

	mu     sync.Mutex
	bodies map[encoding][]byte
}

// encoding is how a request wants the metrics written: the text format
// or OpenMetrics, gzipped or not.
type encoding struct {
	openMetrics, gzip bool
}

// body returns the metrics of s, a sample that has been taken, encoded as
// enc asks, encoding them the first time they are asked for so. A failure
// to gather some metrics is told to logger once; the others are served.
func (e *Exporter) body(s *scrape, enc encoding, logger *log.Logger) ([]byte, error) {
	x := &s.exposition
	x.gather.Do(func() {
		var out sink
		e.send(s, &out)
		var err error
		x.families, err = gather(out.metrics)
		x.err = errors.Join(append(out.errs, err)...)
		if x.err != nil && len(x.families) > 0 {
			logger.Printf("serving the metrics that could be gathered: %v", x.err)
		}
	})
	if len(x.families) == 0 && x.err != nil {
		return nil, fmt.Errorf("gathering metrics: %w", x.err)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if b, ok := x.bodies[enc]; ok {
		return b, nil
	}
	b, err := encode(x.families, enc)
	if err != nil {
		return nil, err
	}
	if x.bodies == nil {
		x.bodies = make(map[encoding][]byte, 2)
	}
	x.bodies[enc] = b
	return b, nil
}

// encode writes families as enc asks.
func encode(families []family, enc encoding) ([]byte, error) {
	b := appendFamilies(nil, families, enc.openMetrics)
	if !enc.gzip {
		return b, nil
	}
	var z bytes.Buffer
	gz := gzip.NewWriter(&z)
	if _, err := gz.Write(b); err != nil {
		return nil, fmt.Errorf("compressing metrics: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("compressing metrics: %w", err)
	}
	return z.Bytes(), nil
}

// appendFamilies appends families in Prometheus's text format, version
// 0.0.4, or in OpenMetrics 1.0.0: each family's HELP and TYPE, then its
// series, one a line. OpenMetrics differs in four ways: a counter's family
// is named without its _total (its samples keep it), HELP escapes double
// quotes too, a value always has a decimal point or an exponent ("1.0"),
// and the exposition ends with "# EOF".
func appendFamilies(b []byte, families []family, openMetrics bool) []byte {
	for _, f := range families {
		d := f.desc
		name := d.name
		if openMetrics && d.kind == counter {
			name = strings.TrimSuffix(name, "_total")
		}
		b = append(b, "# HELP "...)
		b = append(b, name...)
		b = append(b, ' ')
		b = appendEscaped(b, d.help, openMetrics)
		b = append(b, "\n# TYPE "...)
		b = append(b, name...)
		b = append(b, ' ')
		b = append(b, d.kind.String()...)
		b = append(b, '\n')
		for _, m := range f.metrics {
			b = appendSeries(b, d.name, m)
			b = appendFloat(b, m.value, openMetrics)
			b = append(b, '\n')
		}
	}
	if openMetrics {
		b = append(b, "# EOF\n"...)
	}
	return b
}

// appendSeries appends a series' name and labels, and the space before
// its value: name{label="value",...} .
func appendSeries(b []byte, name string, m metric) []byte {
	b = append(b, name...)
	for i, l := range m.desc.labels {
		if i == 0 {
			b = append(b, '{')
		} else {
			b = append(b, ',')
		}
		b = append(b, l...)
		b = append(b, '=', '"')
		b = appendEscaped(b, m.labels[i], true)
		b = append(b, '"')
	}
	if len(m.desc.labels) > 0 {
		b = append(b, '}')
	}
	return append(b, ' ')
}

// appendEscaped appends s with backslash and newline escaped, and the
// double quote too when quote is set (label values; OpenMetrics' HELP).
func appendEscaped(b []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '"' && quote:
			b = append(b, '\\', '"')
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendFloat appends f as Prometheus writes it: the shortest decimal
// that reads back as f, +Inf, -Inf or NaN; in OpenMetrics, always with a
// decimal point or exponent ("1.0", "1e+06").
func appendFloat(b []byte, f float64, openMetrics bool) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "+Inf"...)
	case math.IsInf(f, -1):
		return append(b, "-Inf"...)
	case f == 0:
		f = 0 // -0 is written 0
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'g', -1, 64)
	if openMetrics && !bytes.ContainsAny(b[start:], "e.") {
		b = append(b, '.', '0')
	}
	return b
}
