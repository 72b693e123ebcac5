package audit

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// Listener is one listening TCP socket, or one unconnected bound UDP
// socket, with what the audit says about it.
type Listener struct {
	Socket model.Socket
	Scope  model.BindScope
	// Label is the local port's class and service name.
	Label names.Label
	// Privileged reports whether the port is below
	// net.ipv4.ip_unprivileged_port_start: binding it took root or
	// CAP_NET_BIND_SERVICE. False when the setting was not read.
	Privileged bool
	// Owners are the processes holding the socket; nil when none could be
	// seen (no process walk, or another user's process without root).
	Owners []model.Owner
	// User is the name of the socket's owner, or its uid when it has none.
	User string
	// Findings are its own, most severe first; Severity the worst.
	Findings []analyze.Finding
	Severity analyze.Severity
}

// ListenerReport is the listener audit of one snapshot.
type ListenerReport struct {
	Taken     time.Time
	NetNS     uint32
	Source    model.Source
	Ephemeral model.PortRange
	// UnprivilegedPortStart is net.ipv4.ip_unprivileged_port_start, -1
	// when it was not read.
	UnprivilegedPortStart int
	// Listeners are most severe first, then by protocol, port and address.
	Listeners []Listener
	// Findings are every listener's, most severe first.
	Findings []analyze.Finding
	// Processes reports whether the snapshot has processes at all; Hidden
	// counts the processes whose sockets could not be read, Unowned the
	// listeners no process was seen holding. The program check passes
	// over those.
	Processes bool
	Hidden    int
	Unowned   int
}

// IsListener reports whether s is what the audit looks at: a TCP socket
// in LISTEN, or a UDP socket bound to a port and not connected.
func IsListener(s *model.Socket) bool {
	return (s.Proto == model.ProtoTCP && s.State == model.StateListen) ||
		(s.Proto == model.ProtoUDP && s.State == model.StateUnconn && s.Local.Port() != 0)
}

// Severity is the worst severity among the findings.
func (r *ListenerReport) Severity() analyze.Severity {
	var s analyze.Severity
	for i := range r.Findings {
		s = max(s, r.Findings[i].Severity)
	}
	return s
}

// Audit looks at every listener of snap (IsListener). l labels ports and
// names users; its Host should be snap's, and its Snapshot snap, for the
// processes. rules nil judges no port's program and keeps no port local.
func Audit(snap *model.Snapshot, l names.Labeler, rules *AuditRules) *ListenerReport {
	r := &ListenerReport{
		Taken: snap.Taken, NetNS: snap.NetNS, Source: snap.Source,
		Ephemeral: snap.Host.Ephemeral, UnprivilegedPortStart: -1,
		Processes: snap.Owners != nil,
	}
	if snap.Host.Settings.Read {
		r.UnprivilegedPortStart = snap.Host.Settings.UnprivilegedPortStart
	}
	if snap.Owners != nil {
		r.Hidden = snap.Owners.Hidden
	}
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		if !IsListener(s) {
			continue
		}
		ln := Listener{
			Socket: *s, Scope: model.Scope(s), Label: l.Port(s.Proto, s.Local.Port()),
			Owners: l.OwnersOf(s), User: l.User(s),
		}
		ln.Privileged, _ = snap.Host.Privileged(s.Local.Port())
		if len(ln.Owners) == 0 {
			r.Unowned++
		}
		ln.Findings = rules.Check(s, l, snap.Source)
		for k := range ln.Findings {
			ln.Severity = max(ln.Severity, ln.Findings[k].Severity)
		}
		r.Listeners = append(r.Listeners, ln)
	}
	slices.SortFunc(r.Listeners, func(a, b Listener) int {
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Socket.Proto, b.Socket.Proto); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Socket.Local.Port(), b.Socket.Local.Port()); c != 0 {
			return c
		}
		return a.Socket.Local.Addr().Compare(b.Socket.Local.Addr())
	})
	for i := range r.Listeners {
		r.Findings = append(r.Findings, r.Listeners[i].Findings...)
	}
	slices.SortStableFunc(r.Findings, func(a, b analyze.Finding) int { return cmp.Compare(b.Severity, a.Severity) })
	return r
}

// Check is the audit of one listener s: its findings, most severe first,
// nil when it has none or is not a listener. l gives the host's ephemeral
// range and reserved ports, the service names and the processes holding s
// (l.Snapshot); src is where s was read from (an accept queue's backlog is
// known from netlink only).
func (r *AuditRules) Check(s *model.Socket, l names.Labeler, src model.Source) []analyze.Finding {
	if !IsListener(s) {
		return nil
	}
	var out []analyze.Finding
	port := s.Local.Port()
	scope := model.Scope(s)
	subject := listenerSubject(s, l)

	if what, ok := r.Local(s.Proto, port); ok && scope.All() {
		out = append(out, exposedFinding(s, subject, what, scope))
	}
	if progs := r.Expected(s.Proto, port); len(progs) > 0 {
		var odd []model.Owner
		for _, o := range l.OwnersOf(s) {
			if !r.Expects(s.Proto, port, o.Comm) && !slices.ContainsFunc(odd, func(x model.Owner) bool { return x.Comm == o.Comm }) {
				odd = append(odd, o)
			}
		}
		if len(odd) > 0 {
			out = append(out, programFinding(s, subject, l.Service(s), progs, odd))
		}
	}
	if h := l.Host; s.Proto == model.ProtoTCP && h != nil && h.Ephemeral.Size() > 0 && h.Ephemeral.Contains(port) && !h.IsReserved(port) {
		out = append(out, inRangeFinding(s, subject, h.Ephemeral))
	}
	if s.Proto == model.ProtoTCP && src == model.SourceNetlink && s.RecvQ > 0 && s.RecvQ >= s.SendQ {
		somax := -1
		if l.Host != nil && l.Host.Settings.Read {
			somax = l.Host.Settings.Somaxconn
		}
		out = append(out, queueFinding(s, subject, somax))
	}
	slices.SortStableFunc(out, func(a, b analyze.Finding) int { return cmp.Compare(b.Severity, a.Severity) })
	return out
}

// FindingFlags is findings as flags, as the listener views show them:
// each severity's symbol and kind's Short, "▲ EXPOSED, • PROGRAM"; ""
// for none.
func FindingFlags(fs []analyze.Finding) string {
	var b []byte
	for i, f := range fs {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, f.Severity.Symbol()...)
		b = append(b, ' ')
		b = append(b, f.Kind.Short()...)
	}
	return string(b)
}

// listenerSubject is "tcp 0.0.0.0:6379 (redis)".
func listenerSubject(s *model.Socket, l names.Labeler) string {
	b := append([]byte(s.Proto.String()), ' ')
	b = model.AppendPeer(b, s.Local)
	if name := l.Service(s); name != "" {
		b = append(b, " ("...)
		b = append(b, name...)
		b = append(b, ')')
	}
	return string(b)
}

// portProto is "6379/tcp".
func portProto(s *model.Socket) string {
	return strconv.Itoa(int(s.Local.Port())) + "/" + s.Proto.String()
}

// scopeWords says where a listener of scope takes traffic from.
func scopeWords(scope model.BindScope) string {
	switch scope {
	case model.ScopeAllIPv4:
		return "every IPv4 address of the host"
	case model.ScopeAllIPv6:
		return "every IPv6 address of the host"
	case model.ScopeDualStack:
		return "every IPv4 and IPv6 address of the host (dual-stack)"
	case model.ScopeAllIPv6Maybe:
		return "every IPv6 address of the host, and every IPv4 one unless it set IPV6_V6ONLY"
	}
	return scope.String()
}

func exposedFinding(s *model.Socket, subject, what string, scope model.BindScope) analyze.Finding {
	pp := portProto(s)
	loop := "127.0.0.1"
	if s.Family == model.FamilyInet6 {
		loop = "::1 (or 127.0.0.1)"
	}
	return analyze.Finding{
		Kind: analyze.FindExposed, Severity: analyze.SeverityWarn, Subject: subject,
		Text: pp + " is " + what + ", a service usually kept on the host or a private network, yet it listens on " +
			scopeWords(scope) + ": whoever can reach the host can connect to it. Services on such ports often trust their network and authenticate weakly, or not at all, by default.",
		Advice: []analyze.Advice{{
			Do:         "Bind it to " + loop + ", or to the one private address its clients use (its listen, bind or bind-address setting)",
			Fixes:      "the exposure: the port is closed on every other interface",
			DoesNotFix: "clients on other hosts, which must then come over that private address or a tunnel",
		}, {
			Do:         "Or let a firewall pass the port only from the hosts that need it",
			Fixes:      "who can connect, while the service stays where it is",
			DoesNotFix: "the listener's scope: one firewall change (or a container runtime's own rules) opens it again. conntab cannot see the firewall, so this finding stays",
		}, {
			Do:         "If it is served to everyone on purpose, say so in a rules file (\"public " + pp + "\") given with --rules",
			Fixes:      "this finding",
			DoesNotFix: "the service's own authentication and TLS, which must then be on",
		}},
	}
}

func programFinding(s *model.Socket, subject, service string, progs []string, odd []model.Owner) analyze.Finding {
	pp := portProto(s)
	whose := pp
	if service != "" {
		whose = pp + " (" + service + ")"
	}
	held := make([]string, len(odd))
	for i, o := range odd {
		held[i] = o.Comm + " (pid " + strconv.Itoa(int(o.PID)) + ")"
	}
	usual := progs[0]
	if len(progs) > 1 {
		usual = strings.Join(progs[:len(progs)-1], ", ") + " or " + progs[len(progs)-1]
	}
	first := odd[0]
	pid := strconv.Itoa(int(first.PID))
	return analyze.Finding{
		Kind: analyze.FindUnexpectedProgram, Severity: analyze.SeverityNotice, Subject: subject,
		Text: whose + " is usually served by " + usual + ", but " + strings.Join(held, ", ") + " holds it. " +
			"Port numbers are not authentication: any program allowed to bind a port answers there, and a client that trusts the port talks to it.",
		Advice: []analyze.Advice{{
			Do:         "Find out what it is: ls -l /proc/" + pid + "/exe, its command line (/proc/" + pid + "/cmdline), the package that owns the file and the unit that started it",
			Fixes:      "the doubt: an alternative server, a honeypot or a proxy is fine; an unknown program is not",
			DoesNotFix: "clients that already talked to it",
		}, {
			Do:         "If it is the right server under another name, add \"expect " + pp + " " + first.Comm + "\" to a rules file given with --rules",
			Fixes:      "this finding",
			DoesNotFix: "the clients' trust in a port number: authenticate the server (host keys, TLS certificates)",
		}},
	}
}

func inRangeFinding(s *model.Socket, subject string, eph model.PortRange) analyze.Finding {
	port := strconv.Itoa(int(s.Local.Port()))
	return analyze.Finding{
		Kind: analyze.FindHeldPort, Severity: analyze.SeverityNotice, Subject: subject,
		Text: "port " + port + " is inside the ephemeral range " + eph.String() +
			": connect() can use it for no destination, so every pool has one port fewer, and when the service restarts a connection may have taken the port first (bind() then fails with EADDRINUSE). conntab ports shows the pools.",
		Advice: analyze.HeldPortAdvice(port),
	}
}

func queueFinding(s *model.Socket, subject string, somaxconn int) analyze.Finding {
	b := []byte("its accept queue holds ")
	b = strconv.AppendUint(b, uint64(s.RecvQ), 10)
	b = append(b, " connections, "...)
	if s.RecvQ == s.SendQ {
		b = append(b, "at its backlog of "...)
		b = strconv.AppendUint(b, uint64(s.SendQ), 10)
		b = append(b, ": the kernel takes one more, then drops new handshakes until the application accepts."...)
	} else {
		b = append(b, "past its backlog of "...)
		b = strconv.AppendUint(b, uint64(s.SendQ), 10)
		b = append(b, ": new handshakes are dropped until the application accepts."...)
	}
	return analyze.Finding{Kind: analyze.FindAcceptQueue, Severity: analyze.SeverityWarn, Subject: subject, Text: string(b), Advice: analyze.QueueAdvice(somaxconn)}
}
