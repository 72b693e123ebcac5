package cli

// Hints answer the flags of ss and netstat that conntab lacks: what to
// use instead, or why it is out of scope.
func Hints() []Hint {
	return []Hint{
		{Short: "x", Long: "unix", From: "ss: unix sockets", Say: "out of scope: unix sockets have no ports; ss -x lists them"},
		{Short: "w", Long: "raw", From: "ss: raw sockets", Say: "out of scope: raw sockets have no ports; ss -w lists them"},
		{Short: "S", Long: "sctp", From: "ss: SCTP sockets", Say: "out of scope: conntab reads TCP and UDP"},
		{Short: "m", Long: "memory", From: "ss: socket memory", Say: "not yet: conntab does not read socket memory; ss -m shows it"},
		{Short: "i", Long: "info", From: "ss: TCP internals", Say: "not in the listing yet: conntab top shows a socket's tcp_info in its details (enter on the socket)"},
		{Short: "K", Long: "kill", From: "ss: close sockets", Say: "not yet: closing sockets is planned; ss -K closes them"},
		{Short: "E", Long: "events", From: "ss: socket events", Say: "not yet: conntab top marks new, changed and closed sockets as they come and go"},
		{Short: "A", Long: "query", From: "ss: socket tables", Say: "use -t or -u (conntab reads TCP and UDP), or a filter"},
		{Short: "f", Long: "family", From: "ss: address family", Say: "use -4 or -6 (other families have no ports)"},
		{Short: "O", Long: "oneline", From: "ss: one line per socket", Say: "not needed: every socket is one line already"},
		{Short: "Z", Long: "context", From: "ss: SELinux contexts", Say: "out of scope: conntab does not read security contexts"},
		{Short: "c", Long: "continuous", From: "netstat: again every second", Say: "use conntab top, the live view (or conntab ports -i DURATION for rates over an interval)"},
	}
}
