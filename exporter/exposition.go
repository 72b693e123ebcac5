package exporter

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"log"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// exposition is a scrape's metrics as served: gathered once, and encoded
// once for each format and content coding asked for. The requests that
// share a sample share these bytes too, so a scrape that waited for a
// sample costs little more than writing them.
type exposition struct {
	gather   sync.Once
	families []*dto.MetricFamily
	err      error // from gathering; the families gathered are still served

	mu     sync.Mutex
	bodies map[encoding][]byte
}

// encoding is how a request wants the metrics: a format (the text format
// or OpenMetrics, with its escaping) and gzip or not.
type encoding struct {
	format expfmt.Format
	gzip   bool
}

// scrapeMetrics is the collector of one sample's metrics, for a registry
// to check and gather.
type scrapeMetrics struct {
	e *Exporter
	s *scrape
}

func (m scrapeMetrics) Describe(ch chan<- *prometheus.Desc) { m.e.Describe(ch) }
func (m scrapeMetrics) Collect(ch chan<- prometheus.Metric) { m.e.send(m.s, ch) }

// body returns the metrics of s, a sample that has been taken, encoded as
// enc asks, encoding them the first time they are asked for so. A failure
// to gather some metrics is told to logger once; the others are served.
func (e *Exporter) body(s *scrape, enc encoding, logger *log.Logger) ([]byte, error) {
	x := &s.exposition
	x.gather.Do(func() {
		reg := prometheus.NewPedanticRegistry()
		if x.err = reg.Register(scrapeMetrics{e, s}); x.err != nil {
			return
		}
		x.families, x.err = reg.Gather()
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
func encode(families []*dto.MetricFamily, enc encoding) ([]byte, error) {
	var b bytes.Buffer
	var gz *gzip.Writer
	var out io.Writer = &b
	if enc.gzip {
		gz = gzip.NewWriter(&b)
		out = gz
	}
	w := expfmt.NewEncoder(out, enc.format)
	for _, mf := range families {
		if err := w.Encode(mf); err != nil {
			return nil, fmt.Errorf("encoding %s: %w", mf.GetName(), err)
		}
	}
	if c, ok := w.(expfmt.Closer); ok {
		if err := c.Close(); err != nil { // OpenMetrics' "# EOF"
			return nil, fmt.Errorf("encoding metrics: %w", err)
		}
	}
	if gz != nil {
		if err := gz.Close(); err != nil {
			return nil, fmt.Errorf("compressing metrics: %w", err)
		}
	}
	return b.Bytes(), nil
}

// acceptsGzip reports whether an Accept-Encoding header value lets a
// response be gzipped: gzip, or "*", with a weight above 0; a gzip of
// weight 0 refuses it whatever "*" says.
func acceptsGzip(accept string) bool {
	gzipQ, anyQ := -1.0, -1.0
	for item := range strings.SplitSeq(accept, ",") {
		name, params, _ := strings.Cut(item, ";")
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		switch name = strings.TrimSpace(name); {
		case strings.EqualFold(name, "gzip"):
			gzipQ = q
		case name == "*":
			anyQ = q
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return anyQ > 0
}
