package cli

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/spf13/pflag"
)

// conntab serve listens on loopback unless told: the metrics name the
// host's peers and services. docs/prometheus.md says why this port.
const defaultServePort, defaultServeAddr = "10311", "127.0.0.1:" + defaultServePort

// ServeOptions are the flags of `conntab serve`.
type ServeOptions struct {
	Listen string // host:port
	Source string // --source as given; "" is auto
	NetNS  string // -N as given
	// Top is how many series a per-pool, per-destination or per-listener
	// metric holds at most; Timeout the longest one snapshot may take.
	Top     int
	Timeout time.Duration
	Once    bool
	Help    bool
}

// DefaultServeOptions are the exporter's options before its flags.
func DefaultServeOptions() ServeOptions {
	return ServeOptions{Listen: defaultServeAddr, Top: 20, Timeout: 8 * time.Second}
}

// Flags defines the exporter's flags into o.
func (o *ServeOptions) Flags() *pflag.FlagSet {
	fs := NewFlags("serve")
	Arg(fs, "listen", "", "ADDR", "serve /metrics on ADDR, host:port (default "+defaultServeAddr+", loopback only; \":"+defaultServePort+"\" is every interface)",
		func(v string) error {
			if err := checkListen(v); err != nil {
				return err
			}
			o.Listen = v
			return nil
		})
	netnsFlag(fs, &o.NetNS, "report on the network namespace NAME (/run/netns/NAME) or at PATH; needs root")
	sourceFlag(fs, &o.Source, "where sockets are read from (default auto: netlink, else /proc)")
	Arg(fs, "top", "", "K", "series per pool, per destination and per listener: the K worst of each (default 20)",
		func(v string) (err error) {
			if o.Top, err = strconv.Atoi(v); err != nil || o.Top < 0 {
				return fmt.Errorf("%q: want a whole number, 0 or more", v)
			}
			return nil
		})
	Arg(fs, "timeout", "", "DURATION", "the longest one snapshot may take; keep it under Prometheus's scrape_timeout (default 8s)",
		func(v string) (err error) {
			if o.Timeout, err = time.ParseDuration(v); err != nil || o.Timeout < 100*time.Millisecond {
				return fmt.Errorf("%q: want a duration of at least 100ms, such as 8s", v)
			}
			return nil
		})
	fs.BoolVar(&o.Once, "once", false, "write one scrape's metrics to stdout and exit, serving nothing (for node_exporter's textfile collector, or a look); exit 1 when the snapshot failed")
	helpFlag(fs, &o.Help)
	return fs
}

// checkListen finds what is wrong with --listen's host:port before
// anything listens: no port, or one that no address could have (out of
// range, or a service name the host does not know). What only listening
// can tell (the address is not this host's, the port is taken) is the
// host's answer, not the command line's.
func checkListen(v string) error {
	_, port, err := net.SplitHostPort(v)
	if err != nil || port == "" {
		return fmt.Errorf("%q: want host:port, such as 127.0.0.1:%s or :%s", v, defaultServePort, defaultServePort)
	}
	if n, err := strconv.ParseUint(port, 10, 64); err == nil && n > 65535 {
		return fmt.Errorf("%q: port %d is out of range, 0 to 65535", v, n)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("%q: %q is neither a port number nor a TCP service this host knows", v, port)
	}
	return nil
}

// ServeUsage is the exporter's help before its flags.
const ServeUsage = `Usage: conntab serve [flags]

A Prometheus exporter: serves /metrics, where every scrape takes one
snapshot of the namespace's sockets (scrapes that arrive together share it)
and reports sockets by protocol, family and state; the accept queue and
backlog of the fullest listeners; the fullest connect() pools (in use,
usable, utilisation) and the highest utilisation over all of them; TIME_WAIT
per destination; the ephemeral range, the sysctls and TCP counters that
bear on them; and the collection itself. docs/prometheus.md lists the
metrics, a scrape configuration and alert rules (docs/alerts.yml).

Flags:
`
