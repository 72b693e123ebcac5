// Package audit is the listener audit: for every socket that waits for
// traffic, where it takes traffic from, who holds it, and whether that is
// what one would expect. conntab listeners prints it, the dashboard's
// Listeners view shows it, and docs/listeners.md explains it to the
// person reading it.
//
// # The audit
//
// A listener (IsListener) is a TCP socket in LISTEN, or a UDP socket bound
// to a port and not connected. Audit(snap, l, rules) returns a
// ListenerReport with one Listener per listener of snap: its BindScope,
// its port's class and service name, whether the port is privileged,
// the processes holding it, its user, and its findings, most severe
// first. l, a names.Labeler, names ports and users; its Host should be
// &snap.Host and its Snapshot snap, or the report has no ephemeral range
// and no processes. Check(s, l, src) is the same judgement for one
// socket, as the dashboard asks it row by row.
//
// A listener may raise four findings (analyze.Finding, with advice):
//
//   - exposed (analyze.FindExposed, warn): its port has a local rule and
//     no public rule, and it listens on every address (0.0.0.0, [::],
//     dual-stack), not on loopback or one address.
//   - unexpected-program (FindUnexpectedProgram, notice): its port has
//     expect rules and a process holding it is none of their programs,
//     nor of "expect *". Needs the processes (collect.Config.Processes);
//     a listener no process was seen holding is not judged, and is
//     counted in ListenerReport.Unowned.
//   - port-in-range (FindHeldPort, notice): a TCP listener on a port of
//     the ephemeral range that is not reserved, which every connect()
//     pool loses. Needs the Labeler's Host.
//   - accept-queue (FindAcceptQueue, warn): a TCP listener whose accept
//     queue is at or past its backlog. Needs netlink: /proc does not give
//     the backlog.
//
// Privileged needs the namespace's settings (collect.Config.Settings).
// rules nil judges no program and keeps no port local; the other two
// findings stand.
//
// # The rules language
//
// AuditRules say which ports are usually kept on the host and which
// programs usually serve a port. A rules file is lines of fields split by
// blanks; "#" starts a comment, and a blank line is nothing:
//
//	LINE    := [ RULE ] [ "#" COMMENT ]
//	RULE    := local PORT/PROTO [ WHAT ... ]
//	         | public PORT/PROTO
//	         | expect PORT/PROTO PROGRAM ...
//	         | expect * PROGRAM ...
//	PORT    := a number from 1 to 65535
//	PROTO   := tcp | udp
//	WHAT    := words saying what usually serves the port ("Redis"); none
//	           means "a service usually kept on the host"
//	PROGRAM := a process name as the kernel keeps it (/proc/PID/comm):
//	           no '/', no control character
//
// local marks a port whose service has no business on every interface;
// public says a port is served everywhere on purpose, and wins over local
// whichever file says it; expect names the programs that usually serve a
// port, and expect * those that may hold any port (systemd's socket
// activation, container port forwarders). Lines add up: a port may have
// several expect lines, a later local line replaces the description. The
// kernel cuts process names to 15 bytes, so a longer PROGRAM matches a
// name that is its first 15 bytes ("systemd-resolved" matches
// "systemd-resolve").
//
// # conntab's rules and --rules
//
// conntab's own rules are audit.txt, embedded in the binary: the
// databases, caches and control APIs that should stay local, and the
// usual servers of well-known ports. DefaultAuditRules parses it (keep
// the result). LoadAuditRules(path) reads a user's file on top of them:
// that is --rules FILE of conntab listeners and conntab top. The file was
// named on purpose, so a missing file is an error, and so is one that is
// not a regular file (a FIFO, a device: names.OpenUserFile refuses it
// without blocking); ParseAuditRules reads rules alone, without conntab's.
//
// A bad line is a *names.LineError that matches ErrAuditSyntax, naming the
// file and line, quoting the line and saying what is wrong; every bad
// line is reported (the first ten, then how many more), and a file with
// one adds nothing.
package audit
