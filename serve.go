package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/exporter"
)

// conntab serve listens on loopback unless told: the metrics name the
// host's peers and services. docs/prometheus.md says why this port.
const defaultServePort, defaultServeAddr = "10311", "127.0.0.1:" + defaultServePort

// serveOptions are the flags of `conntab serve`.
type serveOptions struct {
	listen, netns string
	mode          collect.Mode
	metrics       exporter.Config // Top and Timeout
	once, help    bool
}

func (o *serveOptions) flags() *pflag.FlagSet {
	fs := cli.NewFlags("serve")
	cli.Arg(fs, "listen", "", "ADDR", "serve /metrics on ADDR, host:port (default "+defaultServeAddr+", loopback only; \":"+defaultServePort+"\" is every interface)",
		func(v string) error {
			if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
				return fmt.Errorf("%q: want host:port, such as 127.0.0.1:%s or :%s", v, defaultServePort, defaultServePort)
			}
			o.listen = v
			return nil
		})
	netnsFlag(fs, &o.netns, "report on the network namespace NAME (/run/netns/NAME) or at PATH; needs root")
	sourceFlag(fs, &o.mode, "where sockets are read from (default auto: netlink, else /proc)")
	cli.Arg(fs, "top", "", "K", "series per pool, per destination and per listener: the K worst of each (default 20)",
		func(v string) (err error) {
			if o.metrics.Top, err = strconv.Atoi(v); err != nil || o.metrics.Top < 0 {
				return fmt.Errorf("%q: want a whole number, 0 or more", v)
			}
			return nil
		})
	cli.Arg(fs, "timeout", "", "DURATION", "the longest one snapshot may take; keep it under Prometheus's scrape_timeout (default 8s)",
		func(v string) (err error) {
			if o.metrics.Timeout, err = time.ParseDuration(v); err != nil || o.metrics.Timeout < 100*time.Millisecond {
				return fmt.Errorf("%q: want a duration of at least 100ms, such as 8s", v)
			}
			return nil
		})
	fs.BoolVar(&o.once, "once", false, "write one scrape's metrics to stdout and exit, serving nothing (for node_exporter's textfile collector, or a look); exit 1 when the snapshot failed")
	helpFlag(fs, &o.help)
	return fs
}

const serveUsage = `Usage: conntab serve [flags]

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

// runServe is `conntab serve`.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := serveOptions{listen: defaultServeAddr, metrics: exporter.Config{Top: 20, Timeout: 8 * time.Second}}
	rest, err := parseArgs(args, o.flags())
	switch {
	case err != nil:
		return err
	case o.help:
		return printHelp(stdout, serveUsage, o.flags())
	case len(rest) > 0:
		return usagef("conntab serve takes no arguments, only flags: %q", strings.Join(rest, " "))
	}
	cfg := collect.Config{Mode: o.mode, Settings: true, Notify: func(msg string) { fmt.Fprintln(stderr, msg) }}
	if cfg.NetNS, err = netnsFile(o.netns); err != nil {
		return err
	}
	collector := collect.New(cfg)
	if o.netns != "" {
		if err := checkNetNS(ctx, collector, o.netns, cfg.NetNS, o.metrics.Timeout); err != nil {
			return err
		}
	}
	o.metrics.Collect = collector.Collect
	e := exporter.New(o.metrics)
	if o.once {
		return e.WriteOnce(stdout)
	}
	return e.ListenAndServe(ctx, o.listen, log.New(stderr, "conntab: ", 0))
}

// checkNetNS takes one snapshot of the namespace -N names before anything
// listens or is written: one that cannot be entered (no such namespace,
// not a namespace, not allowed in) is an error now, not a server whose
// every scrape says conntab_collect_success 0. A snapshot read in part
// passes: the scrapes will say what failed, as they will if the
// namespace goes away later.
func checkNetNS(ctx context.Context, c *collect.Collector, given, path string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	snap, err := c.Collect(ctx)
	if snap != nil || err == nil {
		return nil
	}
	var pathErr *fs.PathError
	switch {
	case errors.As(err, &pathErr):
		err = pathErr // "open /run/netns/blue: no such file or directory"
	case errors.Is(err, syscall.EINVAL): // setns(2) on another kind of file
		err = fmt.Errorf("%s is not a network namespace: %w", path, err)
	case errors.Is(err, syscall.EPERM):
		err = fmt.Errorf("not allowed to enter %s (it takes CAP_SYS_ADMIN): %w", path, err)
	}
	return fmt.Errorf("network namespace %q cannot be read: %w", given, err)
}
