package model

// BindScope is where a listening or bound socket accepts traffic, judged
// from its local address.
//
// An IPv6 wildcard socket ([::]) takes IPv4 too unless it set IPV6_V6ONLY
// (or net.ipv6.bindv6only is 1); a snapshot does not say which, so
// ScopeAllIPv6 means "every IPv6 address, and maybe every IPv4 one". A
// socket bound to one interface with SO_BINDTODEVICE looks like any other
// here: the device is not in the snapshot either.
type BindScope uint8

// Bind scopes.
const (
	ScopeUnknown  BindScope = iota // no valid local address
	ScopeAllIPv4                   // 0.0.0.0 (or ::ffff:0.0.0.0)
	ScopeAllIPv6                   // [::], with or without IPv4
	ScopeLoopback                  // 127.0.0.0/8 or ::1: this host only
	ScopeAddress                   // one address, of one interface
)

var scopeNames = [...]string{
	ScopeUnknown:  "unknown",
	ScopeAllIPv4:  "all (IPv4)",
	ScopeAllIPv6:  "all (IPv6)",
	ScopeLoopback: "loopback",
	ScopeAddress:  "one address",
}

var scopeShort = [...]string{
	ScopeUnknown:  "?",
	ScopeAllIPv4:  "all4",
	ScopeAllIPv6:  "all6",
	ScopeLoopback: "lo",
	ScopeAddress:  "addr",
}

// String names the scope: "all (IPv4)", "all (IPv6)", "loopback", "one
// address", "unknown".
func (b BindScope) String() string {
	if int(b) < len(scopeNames) {
		return scopeNames[b]
	}
	return "scope(" + itoa(uint64(b)) + ")"
}

// Short is the scope as a column cell of four characters at most: all4,
// all6, lo, addr, ?.
func (b BindScope) Short() string {
	if int(b) < len(scopeShort) {
		return scopeShort[b]
	}
	return "?"
}

// Scope is the bind scope of s's local address. It means most for LISTEN,
// UNCONN and BOUND_INACTIVE sockets; a connected socket's local address is
// always one address. An IPv4-mapped address (::ffff:0.0.0.0,
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
		return ScopeAllIPv6
	case a.IsLoopback():
		return ScopeLoopback
	}
	return ScopeAddress
}
