package tui

// portsLines is the Ports view. The exhaustion analysis that fills it is
// its own piece of work (conntab ports); until it lands the view says what
// it will show, and where the figures are today.
func (m *Model) portsLines() []string {
	return []string{
		m.st.Title.Render("Ports: ephemeral-port exhaustion"),
		"",
		"This view will answer \"connect() fails with EADDRNOTAVAIL: why, for which",
		"destination, how soon, and what do I change?\": per destination pool, the ports",
		"in use by state against the usable ports, the rate of new connections, the time",
		"to exhaustion at that rate, the kernel settings and counters that matter",
		"(ip_local_port_range, tcp_tw_reuse, TCPTimeWaitOverflow, ...), and advice tied",
		"to each finding.",
		"",
		"Today: the header shows the ephemeral range and its busiest pool, and view 2",
		"(Remote endpoints) shows each destination's pool and its TIME_WAIT flags.",
	}
}
