package render

import (
	"bufio"
	"math"
	"time"

	"github.com/conntab/conntab/model"
)

// SummaryJSON is the shape of `conntab list -s --json` (docs/json.md):
// one document with what the text summary says. encoding/json reads it
// back. Every key is always there; a list with nothing in it is [].
type SummaryJSON struct {
	NetNS      uint32    `json:"netns"`
	Taken      time.Time `json:"taken"`
	Source     string    `json:"source"`
	DurationMS float64   `json:"duration_ms"`
	// Counted is which sockets were counted (the flags and the filter).
	Counted CountedJSON `json:"counted"`
	Sockets int         `json:"sockets"`
	// States has a row for each state that has sockets, in kernel order;
	// "other" counts states conntab does not know.
	States []StateCountsJSON `json:"states"`
	Total  CountsJSON        `json:"total"`
	SS     SSJSON            `json:"ss"`
	// Namespaces has a row per namespace when several were read (-N).
	Namespaces []NamespaceCountsJSON `json:"namespaces,omitempty"`
}

// CountedJSON is a Selection: protocols ("tcp", "udp"), families
// ("inet", "inet6"), state names, and the filter's expression ("" for
// none).
type CountedJSON struct {
	Protos   []string `json:"protos"`
	Families []string `json:"families"`
	States   []string `json:"states"`
	Filter   string   `json:"filter"`
}

// CountsJSON are socket counts by protocol and family, and their total.
type CountsJSON struct {
	TCP   int `json:"tcp"`
	TCP6  int `json:"tcp6"`
	UDP   int `json:"udp"`
	UDP6  int `json:"udp6"`
	Total int `json:"total"`
}

// StateCountsJSON is a state's row.
type StateCountsJSON struct {
	State string `json:"state"`
	CountsJSON
}

// SSJSON are the figures `ss -s` gives, worked out from the counted
// sockets (ssCounts).
type SSJSON struct {
	Estab      int           `json:"estab"`
	TimeWait   int           `json:"timewait"`
	TCP        TransportJSON `json:"tcp"`
	UDP        TransportJSON `json:"udp"`
	TCPLeftOut LeftOutJSON   `json:"tcp_left_out"`
}

// TransportJSON is a row of ss -s's Transport table.
type TransportJSON struct {
	Total int `json:"total"`
	IP    int `json:"ip"`
	IPv6  int `json:"ipv6"`
}

// LeftOutJSON are the TCP sockets of the states table that ss's TCP row
// does not count.
type LeftOutJSON struct {
	TimeWait int `json:"timewait"`
	Requests int `json:"requests"`
	Bound    int `json:"bound"`
	Closed   int `json:"closed"`
}

// NewSummaryJSON counts snap's sockets, which sel selected.
func NewSummaryJSON(snap *model.Snapshot, sel *Selection) *SummaryJSON {
	var c summary
	c.count(snap.Sockets)
	j := &SummaryJSON{
		NetNS: snap.NetNS, Taken: snap.Taken.UTC(), Source: snap.Source.String(),
		DurationMS: math.Round(float64(snap.Duration)/float64(time.Microsecond)) / 1000,
		Counted:    sel.json(),
		Sockets:    len(snap.Sockets),
		States:     []StateCountsJSON{},
		Total:      c.total.json(),
		SS: SSJSON{Estab: c.ss.estab, TimeWait: c.ss.timewait,
			TCP:        TransportJSON{Total: c.ss.tcp[0] + c.ss.tcp[1], IP: c.ss.tcp[0], IPv6: c.ss.tcp[1]},
			UDP:        TransportJSON{Total: c.ss.udp[0] + c.ss.udp[1], IP: c.ss.udp[0], IPv6: c.ss.udp[1]},
			TCPLeftOut: LeftOutJSON{TimeWait: c.ss.timewait, Requests: c.ss.requests, Bound: c.ss.bound, Closed: c.ss.closed}},
	}
	j.Namespaces = namespaceCounts(snap)
	c.rows(func(name string, r *summaryRow) {
		j.States = append(j.States, StateCountsJSON{State: name, CountsJSON: r.json()})
	})
	return j
}

func (r *summaryRow) json() CountsJSON {
	return CountsJSON{TCP: r[0], TCP6: r[1], UDP: r[2], UDP6: r[3], Total: r[4]}
}

// json is sel with its defaults spelled out.
func (sel *Selection) json() CountedJSON {
	j := CountedJSON{Filter: sel.Filter}
	protos := sel.Protos
	if len(protos) == 0 {
		protos = []model.Proto{model.ProtoTCP, model.ProtoUDP}
	}
	for _, p := range protos {
		j.Protos = append(j.Protos, p.String())
	}
	families := sel.Families
	if len(families) == 0 {
		families = []model.Family{model.FamilyInet, model.FamilyInet6}
	}
	for _, f := range families {
		j.Families = append(j.Families, f.String())
	}
	j.States = []string{}
	for _, st := range sel.states() {
		j.States = append(j.States, st.String())
	}
	return j
}

// writeSummaryJSON writes the summary as one indented SummaryJSON
// document.
func writeSummaryJSON(w *bufio.Writer, snap *model.Snapshot, sel *Selection) {
	writeDocument(w, NewSummaryJSON(snap, sel))
}
