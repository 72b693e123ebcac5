package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
	"github.com/conntab/conntab/render"
)

// listenersOptions are the flags of `conntab listeners`.
type listenersOptions struct {
	mode   collect.Mode
	netns  string // what -N named, as given
	rules  string // --rules FILE
	protos []model.Proto
	json   bool
	check  bool
	help   bool
}

func (o *listenersOptions) flags() []option {
	on := func(b *bool) func() { return func() { *b = true } }
	proto := func(p model.Proto) func() { return func() { o.protos = append(o.protos, p) } }
	return []option{
		{short: 't', long: "tcp", set: proto(model.ProtoTCP), help: "TCP listeners only"},
		{short: 'u', long: "udp", set: proto(model.ProtoUDP), help: "UDP sockets only"},
		{short: 'N', long: "netns", arg: "NAME|PATH", help: "read the network namespace NAME (/run/netns/NAME) or at PATH; needs root",
			value: func(v string) error { o.netns = v; return nil }},
		{long: "source", arg: "auto|netlink|proc", help: "where sockets are read from (default auto: netlink, else /proc; /proc sees neither backlogs nor IPV6_V6ONLY)",
			value: func(v string) (err error) { o.mode, err = collect.ParseMode(v); return err }},
		{long: "rules", arg: "FILE", help: "extend the audit's rules with FILE: local, public and expect lines (docs/listeners.md)",
			value: func(v string) error { o.rules = v; return nil }},
		{long: "json", set: on(&o.json), help: "one JSON document instead of the text (docs/json.md)"},
		{long: "check", set: on(&o.check), help: "exit 3 when the worst finding is a warning, 4 when it is critical (0 otherwise)"},
		{short: 'h', long: "help", set: on(&o.help), help: "this help"},
	}
}

const listenersUsage = `Usage: conntab listeners [flags]

What listens on this host, where, as whom, and what looks wrong. Every
listening TCP socket and every bound, unconnected UDP socket, with its bind
scope (every address of one family or both, one address, or loopback), port
class and service, whether the port is privileged, its accept queue against
its backlog, and the process and user holding it. Findings, each with why
and what to do (docs/listeners.md):

  warn    a service usually kept on the host (a database, a cache, the
          Docker API) listening on every interface
  notice  a well-known port held by a program that is not its usual server:
          port numbers are not authentication
  notice  a TCP listener inside the ephemeral range (see conntab ports)
  warn    an accept queue at or past its backlog

Which ports are local and which programs are expected is in audit/audit.txt;
--rules adds to it. Other users' processes are seen only as root.

With --check the exit status says the worst finding: 0 none or notice, 3
warn, 4 critical; 1 when the kernel could not be read in full, 2 for a bad
command line.

Flags:
`

// runListeners is `conntab listeners`.
func runListeners(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o listenersOptions
	rest, err := parseArgs(args, o.flags())
	if err != nil {
		return err
	}
	if o.help {
		return printHelp(stdout, listenersUsage, o.flags())
	}
	if len(rest) > 0 {
		return usagef("conntab listeners takes no arguments, only flags: %q", strings.Join(rest, " "))
	}
	rules := audit.DefaultAuditRules()
	if o.rules != "" {
		if rules, err = audit.LoadAuditRules(o.rules); err != nil {
			return &usageError{msg: "--rules: " + err.Error(), err: err}
		}
	}
	cfg := collect.Config{
		Mode: o.mode, Settings: true, Processes: true, Protos: o.protos,
		States: model.NewStateSet(model.StateListen, model.StateUnconn),
		Notify: func(msg string) { fmt.Fprintln(stderr, msg) },
	}
	if cfg.NetNS, err = netnsFile(o.netns); err != nil {
		return err
	}
	snap, collectErr := collect.New(cfg).Collect(ctx)
	if snap == nil {
		return collectErr
	}
	services, users := loadNames(stderr)
	r := audit.Audit(snap, names.Labeler{Services: services, Host: &snap.Host, UserName: users.Name, Snapshot: snap}, rules)

	err = writeReport(stdout, "audit", func(w *bufio.Writer) error {
		if o.json {
			return render.ListenersDocument(w, r)
		}
		render.ListenersText(w, r, render.ListenersTextOptions{NetNS: o.netns, Width: textWidth(stdout), Root: os.Geteuid() == 0})
		return nil
	})
	return ending(err, collectErr, o.check, func() error { return listenersVerdict(r) })
}

// listenersVerdict is --check's verdict on r.
func listenersVerdict(r *audit.ListenerReport) error { return verdict("listeners", r.Severity()) }
