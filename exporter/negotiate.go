package exporter

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// format is the exposition a scrape is answered in and the Content-Type
// that names it.
type format struct {
	openMetrics bool
	contentType string
}

// The media types of the formats conntab writes.
const (
	textType        = "text/plain"
	openMetricsType = "application/openmetrics-text"
)

// negotiate picks the format an Accept header value asks for, as
// client_golang's promhttp did (expfmt.NegotiateAccept, offered the
// formats conntab writes): of the media ranges, most wanted first, the
// first that names OpenMetrics 1.0.0, OpenMetrics 0.0.1 (also
// application/openmetrics-text with no version) or the text format 0.0.4
// (text/plain with that version or none); the text format when none does.
// A wildcard names none, each format having a version; a range of weight
// 0 is refused.
//
// The escaping parameter Prometheus 3 sends (how a scraper wants names
// that are not [a-zA-Z_:][a-zA-Z0-9_:]* written) is told back in the
// Content-Type, as promhttp does; conntab's names are all of that kind,
// so the body is the same whatever it says.
func negotiate(accept string) format {
	escaping := "underscores"
	for _, r := range parseAccept(accept) {
		switch e := r.params["escaping"]; e {
		case "allow-utf-8", "underscores", "dots", "values":
			escaping = e
		}
		version := r.params["version"]
		switch {
		case r.mediaType == openMetricsType && (version == "1.0.0" || version == "0.0.1" || version == ""):
			return format{openMetrics: true,
				contentType: openMetricsType + "; version=" + cmp.Or(version, "0.0.1") + "; charset=utf-8; escaping=" + escaping}
		case r.mediaType == textType && (version == "0.0.4" || version == ""):
			return format{contentType: textType + "; version=0.0.4; charset=utf-8; escaping=" + escaping}
		}
	}
	return format{contentType: textType + "; version=0.0.4; charset=utf-8; escaping=" + escaping}
}

// mediaRange is one comma-separated item of an Accept header: a media
// type (lower case, perhaps with wildcards), its parameters (names lower
// case) and its weight.
type mediaRange struct {
	mediaType string
	params    map[string]string
	q         float64
}

// parseAccept parses an Accept header value into its media ranges of
// weight above 0, the heaviest first, in the header's order among equals.
// Items that are no media range, and a weight that is no number, are
// left out.
func parseAccept(accept string) []mediaRange {
	var ranges []mediaRange
	for item := range strings.SplitSeq(accept, ",") {
		typ, params, _ := strings.Cut(item, ";")
		typ = strings.ToLower(strings.TrimSpace(typ))
		if main, sub, ok := strings.Cut(typ, "/"); !ok || main == "" || sub == "" || strings.Contains(sub, "/") {
			continue
		}
		r := mediaRange{mediaType: typ, q: 1, params: map[string]string{}}
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(p, "=")
			k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
			if !ok || k == "" {
				continue
			}
			if k != "q" {
				r.params[k] = v
				continue
			}
			q, err := strconv.ParseFloat(v, 64)
			if err != nil {
				q = 0
			}
			r.q = q
		}
		if r.q > 0 {
			ranges = append(ranges, r)
		}
	}
	slices.SortStableFunc(ranges, func(a, b mediaRange) int { return cmp.Compare(b.q, a.q) })
	return ranges
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
