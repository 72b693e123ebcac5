// Package model holds conntab's normalised view of a host's connection table:
// one Socket per kernel socket as a 5-tuple with its TCP or UDP state, the
// Snapshot that carries them with the host facts later analysis needs, and
// the labels a port gets (IANA class, ephemeral range, service name).
//
// model imports only the standard library. Collectors (package collect)
// produce these values; the filter, the listing and the dashboard consume
// them.
//
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are stored unmapped, as IPv4,
// so that they are shown and grouped with IPv4 peers; the socket's Family
// stays FamilyInet6, which is how a mapped address is told apart.
package model
