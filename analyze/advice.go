package analyze

import "strconv"

// What the findings advise: each Advice says what it fixes and what it
// does not, so that a reader can choose.

// Advice that several findings give.
var (
	adviceReuse = Advice{
		Do:         "Reuse connections: HTTP keep-alive, a connection pool in the client or driver, HTTP/2 or HTTP/3, which carry many requests over one connection",
		Fixes:      "the churn itself: no new port and no TIME_WAIT socket per request",
		DoesNotFix: "ports held by connections that stay open",
	}
	adviceServerCloses = Advice{
		Do:         "Let the server close first where the protocol allows (HTTP/1.1 without Connection: close from the client)",
		Fixes:      "TIME_WAIT then stays on the server, whose side of every connection uses its one listening port",
		DoesNotFix: "connections that are still open",
	}
	adviceSources = Advice{
		Do:         "Spread connections over more source addresses (each local address has its own pool; bind() each socket to one with IP_BIND_ADDRESS_NO_PORT set), or over more destination addresses or ports",
		Fixes:      "multiplies the budget: every (local address, remote address, remote port) has U ports",
		DoesNotFix: "churn or a leak, which fill the bigger budget too",
	}
	adviceWiden = Advice{
		Do:         "Widen net.ipv4.ip_local_port_range (for example \"1024 65535\"), and list the services' ports inside it in net.ipv4.ip_local_reserved_ports",
		Fixes:      "U grows to the new range's size for every pool",
		DoesNotFix: "a rate above U / 60 s, which fills any range",
	}
	adviceFinTimeout = Advice{
		Do:         "Do not lower net.ipv4.tcp_fin_timeout for this",
		Fixes:      "nothing here: it bounds FIN_WAIT2 of orphaned sockets",
		DoesNotFix: "TIME_WAIT, which lasts 60 s whatever it says",
	}
)

// adviceTwReuse is the tcp_tw_reuse advice, which depends on the settings.
func (r *PortsReport) adviceTwReuse() Advice {
	a := Advice{
		Do:         "Set net.ipv4.tcp_tw_reuse=1 on this host (the client)",
		Fixes:      "connect() takes over a TIME_WAIT socket's 4-tuple once it is older than 1 s, for connections that used TCP timestamps",
		DoesNotFix: "ports held by open connections; TIME_WAIT on a server's side, which it does not touch",
	}
	if r.Settings.Read && r.Settings.TCPTimestamps == 0 {
		a.Do += ", and turn TCP timestamps back on (net.ipv4.tcp_timestamps=1): without them it does nothing"
	}
	return a
}

// HeldPortAdvice is what to do about a listening or bound-only socket on
// port, inside the ephemeral range.
func HeldPortAdvice(port string) []Advice {
	return []Advice{{
		Do:         "Reserve it: add " + port + " to net.ipv4.ip_local_reserved_ports",
		Fixes:      "connect() and bind(0) never pick it, so the service can always bind it",
		DoesNotFix: "U, which stays one port smaller",
	}, {
		Do:         "Or move the service's port, or the range, so that they do not overlap",
		Fixes:      "both: U regains the port",
		DoesNotFix: "clients configured with the old port",
	}}
}

// QueueAdvice is QueueAdvice with the report's net.core.somaxconn.
func (r *PortsReport) QueueAdvice() []Advice {
	if !r.Settings.Read {
		return QueueAdvice(-1)
	}
	return QueueAdvice(r.Settings.Somaxconn)
}

// QueueAdvice is what to do about a full accept queue; somaxconn is
// net.core.somaxconn, -1 when it was not read.
func QueueAdvice(somaxconn int) []Advice {
	somax := "net.core.somaxconn"
	if somaxconn >= 0 {
		somax += " (now " + strconv.Itoa(somaxconn) + ")"
	}
	return []Advice{{
		Do:         "Make the application accept faster: more accepting threads or workers, less work before accept()",
		Fixes:      "the cause, when the server keeps up on average",
		DoesNotFix: "a server that cannot keep up at all",
	}, {
		Do:         "Raise the backlog: the listen() argument, and " + somax + ", which caps it",
		Fixes:      "drops in short bursts",
		DoesNotFix: "a server that stopped accepting: the queue only fills later",
	}}
}

// twTableAdvice is what to do about a TIME_WAIT table near or past its
// size.
var twTableAdvice = []Advice{{
	Do:         "Raise net.ipv4.tcp_max_tw_buckets (each TIME_WAIT socket costs a few hundred bytes)",
	Fixes:      "connections again wait out TIME_WAIT, which keeps a late segment of an old connection out of a new one on the same 4-tuple",
	DoesNotFix: "the churn that fills the table: reuse connections",
}}
