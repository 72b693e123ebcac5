// Package filter reads and evaluates conntab's filter language: ss's
// filter expressions, and a few predicates of conntab's own. The listing
// (conntab list FILTER) and the dashboard (conntab top FILTER, and the
// filter typed in it) select sockets with it; docs/filter.md is the
// user's guide. The reports take no filter: conntab ports, conntab
// listeners and conntab serve take no arguments and judge the whole
// namespace, and the flags are worked out from the whole snapshot, so a
// filter changes what is shown, never what is flagged.
//
// # Use
//
// Parse reads a filter into a Filter: the states its state clauses
// select (handed to collect.Config.States, so the kernel never sends the
// others) and an expression tree (Expr), whose String is the canonical
// spelling that Parse reads back to an equal tree. Compile binds the
// Filter to a names.Labeler, which resolves service names in ports and
// names each socket's service, class and processes, and returns a
// Matcher; Match allocates nothing. NeedsProcesses says whether the
// filter asks who holds a socket, so the caller asks collect for the walk
// of /proc.
//
// # Grammar
//
//	FILTER := { state STATE | exclude STATE } [ EXPR ]
//	EXPR   := TERM { [ and | && | & | or | || | | ] TERM }
//	TERM   := not TERM | ! TERM | ( EXPR ) | PRED
//	PRED   := sport [OP] PORT | dport [OP] PORT | port [OP] PORT
//	        | src [=] ADDR | dst [=] ADDR
//	        | proto tcp | proto udp
//	        | class well-known | class registered | class dynamic | class ephemeral
//	        | service NAME | uid [=] N
//	        | process NAME | pid [=] N
//	        | netns [=] INODE | netns [=] NAME | container [=] NAME
//	OP     := = | == | eq | != | ne | < | lt | <= | le | > | gt | >= | ge
//	PORT   := [:]NUMBER | [:]SERVICE-NAME
//	ADDR   := HOST[/LEN][:PORT|:*] | [V6HOST][/LEN]][:PORT|:*] | *:PORT
//
// Terms side by side are joined by and. As in ss, and and or bind equally
// and associate to the left: "a or b and c" is "(a or b) and c"; write
// parentheses to mean otherwise. not applies to the one term after it.
//
// # States
//
// STATE is a state in ss's spelling (established, syn-sent, syn-recv,
// fin-wait-1, fin-wait-2, time-wait, closed, close-wait, last-ack,
// listening, closing), conntab's (unconn, bound-inactive, close), the
// kernel's (TIME_WAIT, FIN_WAIT1), or one of ss's groups: all; connected
// (every state but listening and closed); synchronized (connected but
// syn-sent); bucket (syn-recv and time-wait, the states the kernel keeps as
// minisockets); big (all but bucket). closed is every socket the kernel
// keeps in TCP_CLOSE: unconnected UDP sockets and bound-only TCP ones.
// The first state clause starts from nothing, the first exclude from all.
// State clauses come before the expression; the state set they make is
// handed to the kernel, so the sockets it leaves out are never read.
//
// # Predicates
//
// sport and dport compare the local and the remote port; port compares
// either (port OP P is sport OP P or dport OP P). A port name is looked up
// in the service table (the built-in one, extended by /etc/services) when
// the filter is compiled. src and dst match the local and the remote
// address against an address or prefix, and a port when one is given; *
// is any address, :* any port. IPv6 addresses take brackets when a port
// follows. IPv6 sockets that talk IPv4 (v4-mapped) match IPv4 addresses
// and prefixes, and IPv6 prefixes that hold their ::ffff: form, as in ss.
//
// conntab's own: proto selects TCP or UDP; class matches when either port
// is in the class (ephemeral: this host's ip_local_port_range; port 0,
// an unconnected peer, has no class); service matches the Service column;
// uid the socket's owner; process and pid a process holding the socket
// (its comm, 15 bytes at most, or its pid; a TIME_WAIT socket matches its
// connection's remembered owner in a session that remembers). A filter
// with process or pid makes the listing walk /proc (see NeedsProcesses).
// netns and container select among several namespaces read at once (-N
// all): netns by the namespace's inode or its `ip netns` name, container
// by the name of the container or pod owning it (pod/container as the
// Namespace column shows it), or by 12 or more hex digits of its id.
//
// # Errors
//
// A filter that does not parse is a *SyntaxError: what was expected, the
// column, and Caret, the input with a caret under that column. So is a
// service name that Compile finds in no table: it points at the port in
// Filter.Input. Every one matches ErrSyntax.
package filter
