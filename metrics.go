package main

import (
	"cmp"
	"context"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/sample"
)

// exporter is the Prometheus collector behind `conntab serve`: each scrape
// takes a snapshot of the namespace and turns it into metrics. Scrapes
// that arrive while a snapshot is being taken wait for it and share it, so
// many scrapers cost one reading of the kernel. The snapshot runs on its
// own goroutine under its own deadline, not the request's: a client that
// goes away or is slow to read does not cut it short or hold it up.
type exporter struct {
	// collect takes a snapshot: a collect.Collector's Collect, or a
	// test's stand-in. Only one runs at a time.
	collect func(context.Context) (*model.Snapshot, error)
	timeout time.Duration // the longest a snapshot may take
	top     int           // per-pool, per-destination and per-listener series, at most
	th      analyze.Thresholds

	mu       sync.Mutex
	inflight *flight // the snapshot being taken, nil between scrapes
	// prev is the last sample: CLOSE_WAIT growth and pool growth are
	// counted from it. Only the goroutine taking a snapshot touches it.
	prev *sample.Sample
	// collects counts snapshots taken, failures those that failed in whole
	// or in part; lastErr is the last snapshot's error.
	collects, failures uint64
	lastErr            error
}

// flight is one snapshot and what was worked out from it, shared by the
// scrapes that waited for it.
type flight struct {
	done     chan struct{}
	snap     *model.Snapshot
	ix       *analyze.DestIndex
	err      error
	collects uint64 // exporter.collects and failures once it was taken
	failures uint64
}

func newExporter(c *collect.Collector, timeout time.Duration, top int) *exporter {
	return &exporter{collect: c.Collect, timeout: timeout, top: top, th: analyze.DefaultThresholds()}
}

// take returns the snapshot being taken, or starts one and waits for it.
func (e *exporter) take() *flight {
	e.mu.Lock()
	if s := e.inflight; s != nil {
		e.mu.Unlock()
		<-s.done
		return s
	}
	s := &flight{done: make(chan struct{})}
	e.inflight = s
	e.mu.Unlock()

	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), e.timeout)
		// One snapshot is taken at a time, so prev is this goroutine's
		// alone: the index is built outside the lock.
		cfg := sample.Config{Collect: e.collect, Thresholds: e.th, Dests: true}
		next, err := sample.Take(ctx, &cfg, e.prev)
		cancel()
		s.err = err
		if n := next.Net(); n != nil {
			s.snap, s.ix = n.Snap, n.Dests
			e.prev = next
		}
		e.mu.Lock()
		e.collects++
		e.lastErr = s.err
		if s.err != nil {
			e.failures++
		}
		s.collects, s.failures = e.collects, e.failures
		e.inflight = nil
		e.mu.Unlock()
		close(s.done)
	}()
	<-s.done
	return s
}

// The metrics. Names follow Prometheus's conventions (base units, _total
// on counters, _ratio on fractions); docs/prometheus.md lists them.
var (
	descSockets = prometheus.NewDesc("conntab_sockets",
		"Sockets in the namespace by protocol, address family and state (UDP: UNCONN or ESTABLISHED).",
		[]string{"proto", "family", "state"}, nil)
	descListenerQueue = prometheus.NewDesc("conntab_listener_accept_queue",
		"Connections waiting for accept() on a TCP listener; the listeners fullest against their backlog, at most --top.",
		[]string{"local"}, nil)
	descListenerBacklog = prometheus.NewDesc("conntab_listener_backlog",
		"The accept queue's limit of a TCP listener (listen()'s backlog capped by net.core.somaxconn).",
		[]string{"local"}, nil)
	descPoolInUse = prometheus.NewDesc("conntab_pool_in_use_ports",
		"Ephemeral ports held in a connect() pool (local address to remote address and port), the fullest pools at most --top.",
		[]string{"local", "remote"}, nil)
	descPoolUsable = prometheus.NewDesc("conntab_pool_usable_ports",
		"Ports connect() may pick in the pool (U): the ephemeral range less reserved ports and ports a bind() holds.",
		[]string{"local", "remote"}, nil)
	descPoolUtil = prometheus.NewDesc("conntab_pool_utilisation_ratio",
		"The share of the pool's usable ports connect() can no longer pick (TIME_WAIT that tcp_tw_reuse may take over does not count).",
		[]string{"local", "remote"}, nil)
	descPoolMax = prometheus.NewDesc("conntab_pool_utilisation_max_ratio",
		"The highest pool utilisation in the namespace, over every pool: one series for alerts.", nil, nil)
	descPools = prometheus.NewDesc("conntab_pools",
		"connect() pools in the namespace (those with a socket on a port of the ephemeral range).", nil, nil)
	descDestTimeWait = prometheus.NewDesc("conntab_destination_time_wait_sockets",
		"TCP sockets in TIME_WAIT to a remote endpoint, the endpoints with most at most --top.",
		[]string{"remote"}, nil)
	descEphemeral = prometheus.NewDesc("conntab_ephemeral_ports",
		"Ports in net.ipv4.ip_local_port_range.", nil, nil)
	descUsable = prometheus.NewDesc("conntab_ephemeral_usable_ports",
		"U: ports of the range connect() may pick for each destination, less reserved ports and ports a bind() holds.", nil, nil)
	descSysctl = prometheus.NewDesc("conntab_sysctl",
		"A sysctl that bears on ports and TIME_WAIT, in its own unit (tcp_fin_timeout seconds, tcp_tw_reuse_delay milliseconds).",
		[]string{"name"}, nil)
	descTCPEvents = prometheus.NewDesc("conntab_tcp_events_total",
		"A TCP counter of the namespace, from /proc/net/netstat (TcpExt) and /proc/net/snmp (Tcp), under its kernel name.",
		[]string{"counter"}, nil)
	descDuration = prometheus.NewDesc("conntab_collect_duration_seconds",
		"How long the snapshot behind this scrape took to read.", nil, nil)
	descSource = prometheus.NewDesc("conntab_collect_source",
		"Where the snapshot was read from: 1 for netlink (sock_diag) or proc (/proc/net).", []string{"source"}, nil)
	descSuccess = prometheus.NewDesc("conntab_collect_success",
		"1 when the snapshot behind this scrape was read whole, 0 when reading it failed in whole or in part.", nil, nil)
	descCollects = prometheus.NewDesc("conntab_collects_total",
		"Snapshots taken since conntab serve started; scrapes that arrive together share one.", nil, nil)
	descFailures = prometheus.NewDesc("conntab_collect_errors_total",
		"Snapshots that failed in whole or in part since conntab serve started.", nil, nil)
	descBuild = prometheus.NewDesc("conntab_build_info",
		"conntab's build: its module version, VCS revision and Go version.",
		[]string{"version", "revision", "goversion"}, nil)
)

// Describe sends every metric's description.
func (e *exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		descSockets, descListenerQueue, descListenerBacklog, descPoolInUse, descPoolUsable, descPoolUtil,
		descPoolMax, descPools, descDestTimeWait, descEphemeral, descUsable, descSysctl, descTCPEvents,
		descDuration, descSource, descSuccess, descCollects, descFailures, descBuild,
	} {
		ch <- d
	}
}

// Collect takes (or joins) a snapshot and sends its metrics.
func (e *exporter) Collect(ch chan<- prometheus.Metric) {
	s := e.take()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	version, revision := buildVersion()
	gauge(descBuild, 1, version, revision, runtime.Version())
	counter(descCollects, float64(s.collects))
	counter(descFailures, float64(s.failures))
	success := 1.0
	if s.err != nil {
		success = 0
	}
	gauge(descSuccess, success)
	if s.snap == nil {
		return
	}
	snap := s.snap
	gauge(descDuration, snap.Duration.Seconds())
	gauge(descSource, 1, snap.Source.String())
	e.sockets(snap, gauge)
	e.listeners(snap, gauge)
	e.pools(s.ix, gauge)
	e.host(snap, s.ix, gauge, counter)
}

type emit func(d *prometheus.Desc, v float64, labels ...string)

// sockets sends conntab_sockets for every state each protocol can be in,
// 0 included: a series that vanishes at 0 would break rate() and alerts.
func (e *exporter) sockets(snap *model.Snapshot, gauge emit) {
	// Counted in an array, not a map: this loop sees every socket.
	var counts [2][2][model.StateUnconn + 1]int // [udp][inet6][state]; UNCONN is the highest state
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		if st := int(s.State); st < len(counts[0][0]) {
			counts[b2i(s.Proto == model.ProtoUDP)][b2i(s.Family == model.FamilyInet6)][st]++
		}
	}
	for _, p := range []model.Proto{model.ProtoTCP, model.ProtoUDP} {
		for _, f := range []model.Family{model.FamilyInet, model.FamilyInet6} {
			for _, st := range model.AllStates {
				if !stateOf(p, st) {
					continue
				}
				n := 0
				if int(st) < len(counts[0][0]) {
					n = counts[b2i(p == model.ProtoUDP)][b2i(f == model.FamilyInet6)][st]
				}
				gauge(descSockets, float64(n), p.String(), f.String(), st.String())
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// stateOf reports whether a socket of protocol p can be in state st as
// conntab reads it: UDP is UNCONN or ESTABLISHED; TCP is neither UNCONN
// nor CLOSE (collect reads a TCP socket in CLOSE as BOUND_INACTIVE).
func stateOf(p model.Proto, st model.State) bool {
	if p == model.ProtoUDP {
		return st == model.StateUnconn || st == model.StateEstablished
	}
	return st != model.StateUnconn && st != model.StateClose
}

// listeners sends the accept queue and backlog of the TCP listeners
// fullest against their backlog, at most e.top. From /proc the backlog is
// not known, and neither is sent.
func (e *exporter) listeners(snap *model.Snapshot, gauge emit) {
	if snap.Source != model.SourceNetlink {
		return
	}
	var ls []*model.Socket
	for i := range snap.Sockets {
		if s := &snap.Sockets[i]; s.Proto == model.ProtoTCP && s.State == model.StateListen {
			ls = append(ls, s)
		}
	}
	fill := func(s *model.Socket) float64 {
		if s.SendQ == 0 {
			return float64(s.RecvQ)
		}
		return float64(s.RecvQ) / float64(s.SendQ)
	}
	slices.SortFunc(ls, func(a, b *model.Socket) int {
		if c := cmp.Compare(fill(b), fill(a)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Local.Port(), b.Local.Port()); c != 0 {
			return c
		}
		return a.Local.Addr().Compare(b.Local.Addr())
	})
	for _, s := range ls[:min(len(ls), e.top)] {
		local := s.Local.String()
		gauge(descListenerQueue, float64(s.RecvQ), local)
		gauge(descListenerBacklog, float64(s.SendQ), local)
	}
}

// pools sends the fullest pools, at most e.top, the highest utilisation
// over all of them, and the TIME_WAIT sockets of the destinations with
// most, at most e.top.
func (e *exporter) pools(ix *analyze.DestIndex, gauge emit) {
	var pools []*analyze.PortPool
	maxUtil := 0.0
	for i := range ix.Pools {
		p := &ix.Pools[i]
		if p.InUse == 0 {
			continue
		}
		pools = append(pools, p)
		maxUtil = max(maxUtil, p.Utilisation())
	}
	gauge(descPools, float64(len(pools)))
	gauge(descPoolMax, maxUtil)
	slices.SortFunc(pools, func(a, b *analyze.PortPool) int {
		if c := cmp.Compare(b.Utilisation(), a.Utilisation()); c != 0 {
			return c
		}
		if c := cmp.Compare(b.InUse, a.InUse); c != 0 {
			return c
		}
		if c := a.Local.Compare(b.Local); c != 0 {
			return c
		}
		return a.Remote.Compare(b.Remote)
	})
	for _, p := range pools[:min(len(pools), e.top)] {
		local, remote := p.Local.String(), p.Remote.String()
		gauge(descPoolInUse, float64(p.InUse), local, remote)
		gauge(descPoolUsable, float64(p.Usable), local, remote)
		gauge(descPoolUtil, p.Utilisation(), local, remote)
	}

	var dests []*analyze.Destination
	for i := range ix.Dests {
		if d := &ix.Dests[i]; d.Proto == model.ProtoTCP && d.States.Of(model.StateTimeWait) > 0 {
			dests = append(dests, d)
		}
	}
	slices.SortFunc(dests, func(a, b *analyze.Destination) int {
		if c := cmp.Compare(b.States.Of(model.StateTimeWait), a.States.Of(model.StateTimeWait)); c != 0 {
			return c
		}
		return a.Remote.Compare(b.Remote)
	})
	for _, d := range dests[:min(len(dests), e.top)] {
		gauge(descDestTimeWait, float64(d.States.Of(model.StateTimeWait)), d.Remote.String())
	}
}

// host sends the ephemeral range, the sysctls and the TCP counters.
func (e *exporter) host(snap *model.Snapshot, ix *analyze.DestIndex, gauge, counter emit) {
	if eph := ix.Ephemeral; eph.Size() > 0 {
		gauge(descEphemeral, float64(eph.Size()))
		gauge(descUsable, float64(ix.Usable))
	}
	if st := &snap.Host.Settings; st.Read {
		for _, s := range []struct {
			name string
			v    int
		}{
			{"net.ipv4.ip_unprivileged_port_start", st.UnprivilegedPortStart},
			{"net.ipv4.tcp_tw_reuse", st.TCPTwReuse},
			{"net.ipv4.tcp_tw_reuse_delay", st.TCPTwReuseDelay},
			{"net.ipv4.tcp_timestamps", st.TCPTimestamps},
			{"net.ipv4.tcp_fin_timeout", int(st.TCPFinTimeout / time.Second)},
			{"net.ipv4.tcp_max_tw_buckets", st.TCPMaxTwBuckets},
			{"net.core.somaxconn", st.Somaxconn},
			{"net.netfilter.nf_conntrack_count", st.ConntrackCount},
			{"net.netfilter.nf_conntrack_max", st.ConntrackMax},
		} {
			if s.v >= 0 { // -1: the kernel has no such sysctl
				gauge(descSysctl, float64(s.v), s.name)
			}
		}
	}
	if c := &snap.Host.Counters; c.Read {
		for _, f := range model.CounterFields {
			if !f.Gauge { // CurrEstab is conntab_sockets' ESTABLISHED and CLOSE_WAIT
				counter(descTCPEvents, float64(f.Get(c)), f.Name)
			}
		}
	}
}

// buildVersion is the module version and VCS revision the binary was
// built from, "(devel)" and "unknown" when the build does not say.
func buildVersion() (version, revision string) {
	version, revision = "(devel)", "unknown"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version, revision
	}
	if bi.Main.Version != "" {
		version = bi.Main.Version
	}
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			dirty, _ = strconv.ParseBool(s.Value)
		}
	}
	if dirty && revision != "unknown" {
		revision += "-dirty"
	}
	return version, revision
}
