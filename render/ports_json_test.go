package render

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/internal/modeltest"
	"github.com/conntab/conntab/model"
	"github.com/google/go-cmp/cmp"
)

// portsJSONSnapshot is portsHost with a pool to 10.0.0.9:5432 at 85% (60
// ESTABLISHED, 2 SYN_SENT, 107 TIME_WAIT of 199), a listener inside the
// range, a socket bound before connect() on an odd port, and a loopback
// pool whose TIME_WAIT tcp_tw_reuse 2 lets connect() take over.
func portsJSONSnapshot() *model.Snapshot {
	h := modeltest.PortsHost()
	h.Settings.TCPTwReuse = 2
	h.Settings.TCPTwReuseDelay = -1
	h.Counters = model.NetCounters{Read: true, TW: 900, ListenOverflows: 3, ActiveOpens: 5000, CurrEstab: 64}
	dst := "10.0.0.9:5432"
	snap := &model.Snapshot{Host: h, Source: model.SourceNetlink, NetNS: 4026532000, Taken: time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)}
	snap.Sockets = slices.Concat(
		modeltest.PoolSockets(h, 60, model.StateEstablished, "10.0.0.2", dst, 0),
		modeltest.PoolSockets(h, 2, model.StateSynSent, "10.0.0.2", dst, 60),
		modeltest.PoolSockets(h, 107, model.StateTimeWait, "10.0.0.2", dst, 62),
		modeltest.PoolSockets(h, 2, model.StateEstablished, "127.0.0.1", "127.0.0.1:8080", 0),
		modeltest.PoolSockets(h, 10, model.StateTimeWait, "127.0.0.1", "127.0.0.1:8080", 2),
		[]model.Socket{
			modeltest.Sock(model.ProtoTCP, model.StateListen, "0.0.0.0:40151", "0.0.0.0:0"),
			modeltest.Sock(model.ProtoTCP, model.StateEstablished, "10.0.0.3:40199", "10.0.0.7:6379"),
		},
	)
	return snap
}

func portsJSONReport() *analyze.PortsReport {
	th := analyze.DefaultThresholds()
	snap := portsJSONSnapshot()
	return analyze.Ports(snap, analyze.Destinations(snap, nil, 0, th), model.NetCounters{}, 0, th)
}

// encode writes j as conntab ports --json does.
func encode(t *testing.T, j PortsJSON) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(j); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The document reads back into PortsJSON with no key left over, and
// says what the report holds.
func TestPortsJSONRoundTrip(t *testing.T) {
	r := portsJSONReport()
	want := NewPortsJSON(r)
	out := encode(t, want)

	var got PortsJSON
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read back (-want +got)\n%s", diff)
	}

	if got.Severity != "warn" || got.NetNS != 4026532000 || !got.Taken.Equal(r.Taken) || got.TimeWait != 117 {
		t.Errorf("severity %q, netns %d, taken %v, time_wait %d", got.Severity, got.NetNS, got.Taken, got.TimeWait)
	}
	if diff := cmp.Diff(EphemeralJSON{Lo: 40000, Hi: 40199, Size: 200, Reserved: 0, Held: 1, Bound: 1, Usable: 198}, got.Ephemeral); diff != "" {
		t.Errorf("ephemeral (-want +got)\n%s", diff)
	}
	if len(got.HeldPorts) != 1 || got.HeldPorts[0].Port != 40151 ||
		!slices.Equal(got.HeldPorts[0].Sockets, []HeldSocketJSON{{Local: EndpointJSON{"0.0.0.0", 40151}, State: "LISTEN"}}) {
		t.Errorf("held_ports %+v", got.HeldPorts)
	}
	if len(got.Pools) != 2 {
		t.Fatalf("%d pools, want 2", len(got.Pools))
	}
	p := got.Pools[0]
	pr := &r.Pools[0]
	wantPool := PoolJSON{
		Local: "10.0.0.2", Remote: EndpointJSON{"10.0.0.9", 5432},
		Established: 60, SynSent: 2, TimeWait: 107, Other: 0, InUse: 169, Usable: 198, Free: 29,
		Utilisation: 0.8535, Utilization: 0.8535, Rate: 1.7833, MaxRate: p.MaxRate, Severity: "warn",
	}
	if diff := cmp.Diff(wantPool, p); diff != "" {
		t.Errorf("pool (-want +got)\n%s", diff)
	}
	if p.MaxRate == nil || *p.MaxRate != roundTo(pr.MaxRate, 1e4) || p.Utilisation != roundTo(pr.Utilisation(), 1e4) {
		t.Errorf("max_rate %v, utilisation %v; want %v, %v", p.MaxRate, p.Utilisation, pr.MaxRate, pr.Utilisation())
	}
	// tcp_tw_reuse on loopback: no bound on the rate.
	if lo := got.Pools[1]; lo.Local != "127.0.0.1" || lo.MaxRate != nil || lo.TimeWaitReusable != 10 || lo.ExhaustionSeconds != nil {
		t.Errorf("loopback pool %+v: want max_rate null, 10 reusable", lo)
	}
	if len(got.BindPools) != 1 || got.BindPools[0].Local != "10.0.0.3" || !cmp.Equal(got.BindPools[0].States, map[string]int{"ESTABLISHED": 1}) {
		t.Errorf("bind_pools %+v", got.BindPools)
	}
	if len(got.Findings) != len(r.Findings) || got.Findings[0].Kind != "pool" || len(got.Findings[0].Advice) == 0 || got.Findings[0].Advice[0].DoesNotFix == "" {
		t.Errorf("findings %+v", got.Findings)
	}
	// One sample: no interval, no deltas; a sysctl the kernel lacks is null.
	if got.IntervalSeconds != 0 || got.Deltas != nil {
		t.Errorf("interval_seconds %v, deltas %+v; want 0 and null", got.IntervalSeconds, got.Deltas)
	}
	if got.Settings.TCPTwReuseDelay != nil || got.Settings.NfConntrackMax != nil || got.Settings.TCPTwReuse == nil || *got.Settings.TCPTwReuse != 2 {
		t.Errorf("settings %+v", got.Settings)
	}
	if got.Counters.TW == nil || *got.Counters.TW != 900 || got.Counters.CurrEstab == nil || *got.Counters.CurrEstab != 64 {
		t.Errorf("counters %+v", got.Counters)
	}
}

// A pool has exactly these keys, whatever its figures: null stands in
// for what is not there.
func TestPortsJSONPoolKeys(t *testing.T) {
	var doc struct {
		Pools     []map[string]json.RawMessage `json:"pools"`
		BindPools []map[string]json.RawMessage `json:"bind_pools"`
		Top       map[string]json.RawMessage
	}
	out := encode(t, NewPortsJSON(portsJSONReport()))
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &doc.Top); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]json.RawMessage) []string {
		var k []string
		for name := range m {
			k = append(k, name)
		}
		slices.Sort(k)
		return k
	}
	sorted := func(s string) []string { k := strings.Fields(s); slices.Sort(k); return k }

	wantPool := sorted("local remote established syn_sent time_wait other in_use usable free utilisation utilization time_wait_reusable bound rate rate_from_samples max_rate exhaustion_seconds severity")
	for i, p := range doc.Pools {
		if diff := cmp.Diff(wantPool, keys(p)); diff != "" {
			t.Errorf("pool %d keys (-want +got)\n%s", i, diff)
		}
		// utilization: the deprecated first spelling, the same figure.
		if string(p["utilisation"]) != string(p["utilization"]) {
			t.Errorf("pool %d: utilisation %s, utilization %s", i, p["utilisation"], p["utilization"])
		}
		if string(p["exhaustion_seconds"]) != "null" {
			t.Errorf("pool %d: exhaustion_seconds %s from one sample, want null", i, p["exhaustion_seconds"])
		}
	}
	if string(doc.Pools[0]["remote"]) != `{"addr":"10.0.0.9","port":5432}` {
		t.Errorf("remote = %s", doc.Pools[0]["remote"])
	}
	wantBind := sorted("local sockets states in_use usable utilisation utilization severity")
	if diff := cmp.Diff(wantBind, keys(doc.BindPools[0])); diff != "" {
		t.Errorf("bind pool keys (-want +got)\n%s", diff)
	}
	wantTop := sorted("netns taken ephemeral held_ports settings counters interval_seconds deltas time_wait pools bind_pools findings severity what_if")
	if diff := cmp.Diff(wantTop, keys(doc.Top)); diff != "" {
		t.Errorf("top-level keys (-want +got)\n%s", diff)
	}
}

// Two samples: interval, deltas (null for a counter that fell, signed
// for the gauge), rates from the samples and the time to exhaustion.
func TestPortsJSONInterval(t *testing.T) {
	th := analyze.DefaultThresholds()
	first, second := portsJSONSnapshot(), portsJSONSnapshot()
	// The first sample lacks the pool's last 10 TIME_WAIT sockets.
	drop := 0
	first.Sockets = slices.DeleteFunc(first.Sockets, func(s model.Socket) bool {
		if s.State == model.StateTimeWait && s.Remote.Port() == 5432 && drop < 10 {
			drop++
			return true
		}
		return false
	})
	second.Taken = first.Taken.Add(5 * time.Second)
	before := first.Host.Counters
	before.TW, before.ActiveOpens, before.CurrEstab, before.ListenOverflows = 800, 4900, 70, 5 // ListenOverflows fell
	r := analyze.Ports(second, analyze.Destinations(second, analyze.Destinations(first, nil, 0, th), 5*time.Second, th), before, 5*time.Second, th)
	j := NewPortsJSON(r)

	if j.IntervalSeconds != 5 || j.Deltas == nil {
		t.Fatalf("interval_seconds %v, deltas %v", j.IntervalSeconds, j.Deltas)
	}
	d := j.Deltas
	if d.TW == nil || *d.TW != 100 || d.ActiveOpens == nil || *d.ActiveOpens != 100 || d.CurrEstab == nil || *d.CurrEstab != -6 || d.ListenOverflows != nil {
		t.Errorf("deltas TW %v ActiveOpens %v CurrEstab %v ListenOverflows %v; want 100, 100, -6, null", d.TW, d.ActiveOpens, d.CurrEstab, d.ListenOverflows)
	}
	p := j.Pools[0]
	if !p.RateFromSamples || p.ExhaustionSeconds == nil || *p.ExhaustionSeconds != roundTo(r.Pools[0].Exhaustion.Seconds(), 1e3) {
		t.Errorf("pool %+v: want rates from samples and exhaustion_seconds %v", p, r.Pools[0].Exhaustion.Seconds())
	}
}

// Settings and counters not read: every value null, read false.
func TestPortsJSONUnread(t *testing.T) {
	snap := portsJSONSnapshot()
	snap.Host.Settings, snap.Host.Counters = model.NetSettings{}, model.NetCounters{}
	th := analyze.DefaultThresholds()
	out := string(encode(t, NewPortsJSON(analyze.Ports(snap, analyze.Destinations(snap, nil, 0, th), model.NetCounters{}, 0, th))))
	for _, want := range []string{
		`"settings":{"read":false,"ip_unprivileged_port_start":null,`,
		`"counters":{"read":false,"TW":null,`,
		`"deltas":null`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in\n%s", want, out)
		}
	}
}

// An unknown range has no pools and a zero ephemeral block, and empty
// lists are [], never null.
func TestPortsJSONEmpty(t *testing.T) {
	snap := &model.Snapshot{}
	th := analyze.DefaultThresholds()
	out := string(encode(t, NewPortsJSON(analyze.Ports(snap, analyze.Destinations(snap, nil, 0, th), model.NetCounters{}, 0, th))))
	for _, want := range []string{
		`"ephemeral":{"lo":0,"hi":0,"size":0,"reserved":0,"held":0,"bound":0,"usable":0}`,
		`"held_ports":[]`, `"pools":[]`, `"bind_pools":[]`, `"findings":[]`, `"severity":"none"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in\n%s", want, out)
		}
	}
}

// A bind pool's severity is its finding's.
func TestBindPoolSeverity(t *testing.T) {
	r := portsJSONReport()
	if len(r.BindPools) != 1 {
		t.Fatalf("%d bind pools, want 1", len(r.BindPools))
	}
	var found analyze.Severity
	for _, f := range r.Findings {
		if f.Kind == analyze.FindBindConnect {
			found = f.Severity
		}
	}
	if got := r.BindPools[0].Severity; got == analyze.SeverityNone || got != found {
		t.Errorf("BindPool.Severity = %v, the finding says %v", got, found)
	}
}
