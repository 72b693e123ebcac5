package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/render/escape"
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

Which ports are local and which programs are expected is in model/audit.txt;
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

	w := bufio.NewWriterSize(stdout, 64<<10)
	if o.json {
		err = writeListenersJSON(w, r)
	} else {
		writeListenersText(w, r, listenersText{netns: o.netns, width: textWidth(stdout), root: os.Geteuid() == 0})
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return fmt.Errorf("writing the audit: %w", err)
	}
	if collectErr != nil || !o.check {
		return collectErr
	}
	return listenersVerdict(r)
}

// listenersVerdict is --check's verdict on r.
func listenersVerdict(r *audit.ListenerReport) error { return verdict("listeners", r.Severity()) }

// writeListenersJSON writes r as one JSON document (docs/json.md).
func writeListenersJSON(w io.Writer, r *audit.ListenerReport) error {
	return writeDocument(w, render.NewListenersJSON(r))
}

// listenersText says how to write an audit as text.
type listenersText struct {
	netns string // what -N named, "" for conntab's own namespace
	width int    // prose wraps here
	root  bool   // whether other users' processes could be seen
}

// writeListenersText writes r: a header, the table of listeners, then
// the findings with their advice.
func writeListenersText(w *bufio.Writer, r *audit.ListenerReport, o listenersText) {
	p := textPrinter{w: w, width: o.width}

	head := "conntab listeners: netns " + strconv.FormatUint(uint64(r.NetNS), 10)
	if o.netns != "" {
		head += " (" + o.netns + ")"
	}
	head += ", " + r.Taken.Format("2006-01-02 15:04:05 MST")
	if r.Source != 0 {
		head += ", read from " + r.Source.String()
	}
	p.para(head, "", "  ")

	var facts []string
	if r.Ephemeral.Size() > 0 {
		facts = append(facts, "ephemeral range "+r.Ephemeral.String())
	}
	if r.UnprivilegedPortStart >= 0 {
		facts = append(facts, fmt.Sprintf("ports below %d are privileged (ip_unprivileged_port_start)", r.UnprivilegedPortStart))
	}
	if r.Source == model.SourceProc {
		facts = append(facts, "/proc shows no backlog and no IPV6_V6ONLY: queues are not judged, and [::] may or may not take IPv4")
	}
	if len(facts) > 0 {
		p.para(strings.Join(facts, "; "), "", "  ")
	}
	if r.Unowned > 0 {
		s := fmt.Sprintf("%d of %d %s held by no process conntab could see", r.Unowned, len(r.Listeners), plural(len(r.Listeners), "listener", "listeners"))
		if !o.root {
			s += " (other users' processes are seen only as root)"
		}
		p.para(s+": their program is not judged.", "", "  ")
	}

	w.WriteByte('\n')
	if len(r.Listeners) == 0 {
		p.para("LISTENERS: none", "", "  ")
	} else {
		w.WriteString("LISTENERS\n")
		rows := make([][]string, 0, len(r.Listeners))
		for i := range r.Listeners {
			rows = append(rows, listenerRow(&r.Listeners[i], r.Source, r.UnprivilegedPortStart >= 0))
		}
		writeAligned(w,
			[]string{"PROTO", "LOCAL", "SCOPE", "CLASS", "SERVICE", "PRIV", "ACCEPT/BACKLOG", "PROCESS", "USER", "FLAGS"},
			[]bool{false, false, false, false, false, false, true, false, false, false}, rows)
	}

	w.WriteByte('\n')
	if len(r.Findings) == 0 {
		p.para("Nothing found: no local-only service on every interface, no unexpected program on a well-known port, no listener in the ephemeral range, no full accept queue.", "", "")
		return
	}
	writeFindings(&p, r.Findings)
}

// listenerRow is one line of the LISTENERS table, every cell escaped.
func listenerRow(ln *audit.Listener, src model.Source, known bool) []string {
	s := &ln.Socket
	netid := s.Proto.String()
	if s.Family == model.FamilyInet6 {
		netid += "6"
	}
	priv := "?" // ip_unprivileged_port_start not read
	if known {
		priv = "no"
		if ln.Privileged {
			priv = "yes"
		}
	}
	queue := "-"
	if q, ok := s.AcceptQueue(); ok {
		backlog := "?"
		if src == model.SourceNetlink {
			backlog = strconv.FormatUint(uint64(s.SendQ), 10)
		}
		queue = strconv.FormatUint(uint64(q), 10) + "/" + backlog
	}
	return []string{
		netid, string(model.AppendPeer(nil, s.Local)), ln.Scope.String(), ln.Label.Class.String(),
		orDash(safe(ln.Label.Service)), priv, queue, ownersCell(ln.Owners), safe(ln.User), orDash(audit.FindingFlags(ln.Findings)),
	}
}

// maxOwnersShown caps the processes a row names: a server that forked
// workers shares its listener with each of them.
const maxOwnersShown = 3

// ownersCell is "comm/pid,comm/pid", each process once, escaped; "+N"
// says how many more; "-" none.
func ownersCell(owners []model.Owner) string {
	if len(owners) == 0 {
		return "-"
	}
	b := make([]byte, 0, 32)
	shown, more := 0, 0
	for i, o := range owners {
		if i > 0 && owners[i-1].PID == o.PID { // one process, several descriptors
			continue
		}
		if shown == maxOwnersShown {
			more++
			continue
		}
		if shown > 0 {
			b = append(b, ',')
		}
		b = escape.AppendSafe(b, o.Comm)
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(o.PID), 10)
		shown++
	}
	if more > 0 {
		b = append(b, ",+"...)
		b = strconv.AppendInt(b, int64(more), 10)
	}
	return string(b)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
