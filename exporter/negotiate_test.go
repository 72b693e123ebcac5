package exporter

import (
	"net/http"
	"testing"

	"github.com/prometheus/common/expfmt"
)

// The format of each Accept header is the one client_golang's promhttp
// chose among the formats conntab writes, with the same Content-Type.
func TestNegotiateAsPromhttp(t *testing.T) {
	for _, tt := range []struct {
		accept      string
		openMetrics bool
	}{
		// Prometheus 3's default, and each of its scrape_protocols.
		{"application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2", true},
		{"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,*/*;q=0.1", true},
		{"text/plain;version=1.0.0;escaping=allow-utf-8,*/*;q=0.1", false},
		{"text/plain;version=0.0.4;q=1,*/*;q=0.1", false},
		{"application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.5,*/*;q=0.1", true},
		{"text/plain;version=0.0.4;escaping=dots", false},
		{"text/plain;version=0.0.4;escaping=values", false},
		{"text/plain;version=0.0.4;escaping=bogus", false},
		// Prometheus 2's.
		{"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", true},
		// Others: curl, a browser, none, no version, versions conntab does
		// not write, wildcards, weights out of order.
		{"*/*", false},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false},
		{"", false},
		{"text/plain", false},
		{"text/*", false},
		{"application/openmetrics-text", true},
		{"application/openmetrics-text;version=2.0.0", false},
		{"application/openmetrics-text; version=1.0.0; charset=utf-8", true},
		{"text/plain;version=0.0.4;q=0.3,application/openmetrics-text;version=1.0.0;q=0.6", true},
		{"text/plain;version=0.0.4;q=0.7,application/openmetrics-text;version=1.0.0;q=0.6", false},
		{"application/openmetrics-text;version=0.0.1,text/plain", true},
		{"application/json, garbage,,;", false},
	} {
		got := negotiate(tt.accept)
		h := http.Header{}
		h.Set("Accept", tt.accept)
		want := expfmt.NegotiateAccept(h, expfmt.FmtOpenMetrics_1_0_0, expfmt.FmtOpenMetrics_0_0_1, expfmt.FmtText)
		if got.contentType != string(want) || got.openMetrics != tt.openMetrics {
			t.Errorf("Accept %q: %q (OpenMetrics %v), promhttp's %q (want OpenMetrics %v)",
				tt.accept, got.contentType, got.openMetrics, want, tt.openMetrics)
		}
	}
}

// Where conntab and promhttp part: a range of weight 0 is refused, as
// RFC 9110 says, where promhttp took it.
func TestNegotiateWeightZero(t *testing.T) {
	for _, accept := range []string{
		"application/openmetrics-text;version=1.0.0;q=0",
		"application/openmetrics-text;version=1.0.0;q=0.0,text/plain;q=0.1",
		"application/openmetrics-text;version=1.0.0;q=nonsense",
	} {
		if f := negotiate(accept); f.openMetrics || f.contentType != "text/plain; version=0.0.4; charset=utf-8; escaping=underscores" {
			t.Errorf("Accept %q: %q", accept, f.contentType)
		}
	}
}
