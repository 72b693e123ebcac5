// Package collect reads the sockets of a network namespace from the kernel
// and normalises them into model.Snapshot values.
//
// # Sources, in the order they are tried
//
//  1. netlink sock_diag (inet_diag): one SOCK_DIAG_BY_FAMILY dump per
//     protocol and family, with the wanted states as the kernel's bitmask so
//     that unwanted sockets are never sent. Replies are read 32 KiB at a
//     time and decoded as they arrive. A dump is not atomic: a socket the
//     kernel reports twice (it moved in its hash chain, or turned from
//     ESTABLISHED into TIME_WAIT, between two reads) is kept once, by its
//     cookie, in its newest form.
//  2. /proc/net/{tcp,tcp6,udp,udp6}, when netlink is refused (EPERM,
//     EACCES, EPROTONOSUPPORT, ENOENT for a missing udp_diag module, a
//     seccomp sandbox). Collector.Notify is told once. /proc has no socket
//     cookies, no backlog limit for listeners (Send-Q reads 0) and no
//     bound-only sockets.
//
// Config.Mode forces either source.
//
// # What needs privilege
//
// Listing every TCP and UDP socket of the caller's own namespace needs
// none: the kernel answers sock_diag dumps and serves /proc/net to any user.
// Reading another namespace (Config.NetNS) needs CAP_SYS_ADMIN to enter it.
// Bound-only sockets (BOUND_INACTIVE) need Linux 6.8 or later.
//
// # Decoding errors
//
// A message that does not decode, or a /proc line that does not parse, is
// skipped and reported as a *DecodeError naming where it was (the byte
// offset in the reply stream, or the line number and text); everything
// else is still returned. errors.Is(err, ErrDecode) tells such a partial
// result from a failure.
package collect
