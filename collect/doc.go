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
// # One socket's tcp_info
//
// Collector.TCPInfo asks sock_diag, without privilege and in Config.NetNS,
// for one socket's struct tcp_info and congestion control name: one
// request naming its addresses, ports and cookie (a v4-mapped socket's
// addresses mapped again), not a dump. A socket that closed, or whose
// addresses a newer socket took, is ErrGone; a socket bound to a device is
// found by asking again with each interface of the namespace. UDP,
// SYN_RECV and TIME_WAIT sockets have none, nor can /proc tell it:
// ErrNoInfo (a TIME_WAIT socket keeps its cookie, so it is ErrNoInfo for
// its minute, then ErrGone). Older kernels send a shorter struct; what it
// lacks reads zero.
//
// # Decoding errors
//
// A message that does not decode, or a /proc line that does not parse, is
// skipped and reported as a *DecodeError naming where it was (the byte
// offset in the reply stream, or the line number and text); everything
// else is still returned. errors.Is(err, ErrDecode) tells such a partial
// result from a failure.
package collect
