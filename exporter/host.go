package exporter

import (
	"time"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/sample"
)

// hostCollector reports what the namespace's kernel says of its ports:
// the ephemeral range, the sysctls and the TCP counters.
type hostCollector struct {
	ephemeral, usable, sysctl, tcpEvents *desc
}

func newHostCollector() hostCollector {
	return hostCollector{
		ephemeral: newDesc("conntab_ephemeral_ports",
			"Ports in net.ipv4.ip_local_port_range.", gauge),
		usable: newDesc("conntab_ephemeral_usable_ports",
			"U: ports of the range connect() may pick for each destination, less reserved ports and ports a bind() holds.", gauge),
		sysctl: newDesc("conntab_sysctl",
			"A sysctl that bears on ports and TIME_WAIT, in its own unit (tcp_fin_timeout seconds, tcp_tw_reuse_delay milliseconds).", gauge, "name"),
		tcpEvents: newDesc("conntab_tcp_events_total",
			"A TCP counter of the namespace, from /proc/net/netstat (TcpExt) and /proc/net/snmp (Tcp), under its kernel name.", counter, "counter"),
	}
}

// update sends what the kernel let collect read: an unknown range, unread
// sysctls or counters have no series.
func (c hostCollector) update(n *sample.Net, out *sink) {
	if eph := n.Dests.Ephemeral; eph.Size() > 0 {
		out.add(c.ephemeral, float64(eph.Size()))
		out.add(c.usable, float64(n.Dests.Usable))
	}
	if st := &n.Snap.Host.Settings; st.Read {
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
				out.add(c.sysctl, float64(s.v), s.name)
			}
		}
	}
	if counters := &n.Snap.Host.Counters; counters.Read {
		for _, f := range model.CounterFields {
			if !f.Gauge { // CurrEstab is conntab_sockets' ESTABLISHED and CLOSE_WAIT
				out.add(c.tcpEvents, float64(f.Get(counters)), f.Name)
			}
		}
	}
}
