package analyze

import (
	"strings"
	"testing"
	"time"

	"github.com/conntab/conntab/model"
)

func TestFindConntrackDrops(t *testing.T) {
	ct := func(insertFailed, drop, early uint64) model.NetCounters {
		return model.NetCounters{Read: true, Conntrack: model.ConntrackStats{Read: true, InsertFailed: insertFailed, Drop: drop, EarlyDrop: early}}
	}
	for _, tt := range []struct {
		name          string
		before, now   model.NetCounters
		interval      time.Duration
		sev           Severity
		found, wantIn string
	}{
		{"none", model.NetCounters{}, ct(0, 0, 0), 0, 0, "", ""},
		{"not loaded", model.NetCounters{}, model.NetCounters{Read: true}, 0, 0, "", ""},
		{"one sample", model.NetCounters{}, ct(3, 2, 0), 0, SeverityNotice, "conntrack-drops", "refused 5 new connections since the namespace was made"},
		{"refused over the interval", ct(3, 2, 0), ct(10, 2, 1), 5 * time.Second, SeverityCritical, "conntrack-drops", "refused 7 new connections in the last 5.0s (insert_failed 7, drop 0) and dropped 1 older"},
		{"early drops only", ct(3, 2, 0), ct(3, 2, 4), 5 * time.Second, SeverityWarn, "conntrack-drops", "refused 0 new connections in the last 5.0s"},
		{"nothing new", ct(3, 2, 0), ct(3, 2, 0), 5 * time.Second, 0, "", ""},
		{"counters fell", ct(9, 2, 0), ct(3, 2, 0), 5 * time.Second, 0, "", ""},
	} {
		r := &PortsReport{Counters: tt.now, Before: tt.before, Interval: tt.interval}
		r.findConntrackDrops()
		switch {
		case tt.found == "" && len(r.Findings) != 0:
			t.Errorf("%s: found %+v, want nothing", tt.name, r.Findings)
		case tt.found != "" && (len(r.Findings) != 1 || r.Findings[0].Kind.String() != tt.found || r.Findings[0].Severity != tt.sev || !strings.Contains(r.Findings[0].Text, tt.wantIn)):
			t.Errorf("%s: found %+v, want one %s at %v saying %q", tt.name, r.Findings, tt.found, tt.sev, tt.wantIn)
		}
	}
}
