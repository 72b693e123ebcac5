package model

// BindScope is where a listening or bound socket accepts traffic, judged
// from its local address and, for the IPv6 wildcard, its IPV6_V6ONLY
// option (Socket.V6Only).
//
// A socket bound to one interface with SO_BINDTODEVICE looks like any other
// here: the device is not in the snapshot. Neither is a firewall: a scope
// says what the socket accepts, not what reaches it.
type BindScope uint8

// Bind scopes.
const (
	ScopeUnknown   BindScope = iota // no valid local address
	ScopeAllIPv4                    // 0.0.0.0 (or ::ffff:0.0.0.0)
	ScopeAllIPv6                    // [::] with IPV6_V6ONLY: every IPv6 address, no IPv4
	ScopeLoopback                   // 127.0.0.0/8 or ::1: this host only
	ScopeAddress                    // one address, of one interface
	ScopeDualStack                  // [::] without IPV6_V6ONLY: every IPv6 and every IPv4 address
	// ScopeAllIPv6Maybe is [::] where the option is unknown (the /proc
	// source): every IPv6 address, and every IPv4 one unless the socket
	// set IPV6_V6ONLY (or net.ipv6.bindv6only is 1).
	ScopeAllIPv6Maybe
)

var scopeNames = [...]string{
	ScopeUnknown:  "unknown",
	ScopeAllIPv4:  "all (IPv4)",
	ScopeAllIPv6:  "all (IPv6 only)",
	ScopeLoopback: "loopback",
	ScopeAddress:  "one address",

	ScopeDualStack:    "all (dual-stack)",
	ScopeAllIPv6Maybe: "all (IPv6, IPv4?)",
}

var scopeShort = [...]string{
	ScopeUnknown:  "?",
	ScopeAllIPv4:  "all4",
	ScopeAllIPv6:  "all6",
	ScopeLoopback: "lo",
	ScopeAddress:  "addr",

	ScopeDualStack:    "all46",
	ScopeAllIPv6Maybe: "all6?",
}

// String names the scope: "all (IPv4)", "all (IPv6 only)", "all
// (dual-stack)", "all (IPv6, IPv4?)", "loopback", "one address", "unknown".
func (b BindScope) String() string {
	if int(b) < len(scopeNames) {
		return scopeNames[b]
	}
	return "scope(" + itoa(uint64(b)) + ")"
}

// Short is the scope as a column cell of five characters at most: all4,
// all6, all46, all6?, lo, addr, ?.
func (b BindScope) Short() string {
	if int(b) < len(scopeShort) {
		return scopeShort[b]
	}
	return "?"
}

// Scope is the bind scope of s's local address. It means most for LISTEN,
// UNCONN and BOUND_INACTIVE sockets; a connected socket's local address is
// always one address. An IPv6 wildcard socket is ScopeAllIPv6,
// ScopeDualStack or, when s.V6Only is unknown, ScopeAllIPv6Maybe. An IPv4-mapped address (::ffff:0.0.0.0,
// ::ffff:127.0.0.1) is stored as IPv4 and judged as IPv4: the socket takes
// IPv4 traffic only.
func Scope(s *Socket) BindScope {
	a := s.Local.Addr().Unmap() // collect unmaps; a hand-made Socket may not
	switch {
	case !a.IsValid():
		return ScopeUnknown
	case a.IsUnspecified() && a.Is4():
		return ScopeAllIPv4
	case a.IsUnspecified():
		switch s.V6Only {
		case V6OnlyOn:
			return ScopeAllIPv6
		case V6OnlyOff:
			return ScopeDualStack
		}
		return ScopeAllIPv6Maybe
	case a.IsLoopback():
		return ScopeLoopback
	}
	return ScopeAddress
}

// All reports whether the scope is every address of the host, of one
// family or both: the socket takes traffic from any interface.
func (b BindScope) All() bool {
	return b == ScopeAllIPv4 || b == ScopeAllIPv6 || b == ScopeDualStack || b == ScopeAllIPv6Maybe
}
