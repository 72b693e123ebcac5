package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/cli"
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

func (o *listenersOptions) flags() *pflag.FlagSet {
	fs := cli.NewFlags("listeners")
	proto := func(p model.Proto) func() { return func() { o.protos = append(o.protos, p) } }
	cli.Switch(fs, "tcp", "t", "TCP listeners only", proto(model.ProtoTCP))
	cli.Switch(fs, "udp", "u", "UDP sockets only", proto(model.ProtoUDP))
	netnsFlag(fs, &o.netns, "read the network namespace NAME (/run/netns/NAME) or at PATH; needs root")
	sourceFlag(fs, &o.mode, "where sockets are read from (default auto: netlink, else /proc; /proc sees neither backlogs nor IPV6_V6ONLY)")
	fileFlag(fs, &o.rules, "rules", "", "FILE", "extend the audit's rules with FILE: local, public and expect lines (docs/listeners.md)")
	fs.BoolVar(&o.json, "json", false, "one JSON document instead of the text (docs/json.md)")
	fs.BoolVar(&o.check, "check", false, "exit 3 when the worst finding is a warning, 4 when it is critical (0 otherwise)")
	helpFlag(fs, &o.help)
	return fs
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
			return &usageError{Msg: "--rules: " + err.Error(), Err: err}
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
