// Package collect reads the sockets of a network namespace from the kernel
// and normalises them into model.Snapshot values. It is the only package
// that talks to the kernel about sockets; package main builds a Collector
// and hands its Collect to the sampler (package sample).
//
// A Collector is made by New(Config) and is not safe for concurrent use:
// it keeps, between snapshots, what makes the next one cheaper (the
// owner walk's tracker, the last bind-table walk, the remembered owners).
// On other systems than Linux, Collect returns ErrUnsupported, naming
// GOOS and GOARCH.
//
// # Sources, in the order they are tried
//
//  1. netlink sock_diag (inet_diag): one TCPDIAG_GETSOCK dump for TCP of
//     both families, one walk of the kernel's tables (SOCK_DIAG_BY_FAMILY,
//     a walk a family, where the kernel refuses it), and a
//     SOCK_DIAG_BY_FAMILY dump per family for UDP, with the wanted states
//     as the kernel's bitmask so that unwanted sockets are never sent.
//     Replies are read 32 KiB at a time on one goroutine and decoded on
//     another as they arrive. A dump is not atomic: a socket the kernel
//     reports twice (it moved in its hash chain, or turned from
//     ESTABLISHED into TIME_WAIT, between two reads) is kept once, by its
//     cookie, in its newest form. Stream hands the sockets on as they are
//     decoded instead of holding them.
//  2. /proc/net/{tcp,tcp6,udp,udp6}, when netlink is refused: the dump
//     fails with EPERM, EACCES, EPROTONOSUPPORT, ENOENT (no udp_diag
//     module), EAFNOSUPPORT or ENOSYS (a kernel without sock_diag, a
//     seccomp sandbox). Config.Notify, when set, is told once per
//     Collector, with the reason; every snapshot tries netlink first
//     again. Any other netlink error is returned, not a reason to read
//     /proc quietly. /proc has no socket cookies, no backlog for listeners
//     (Send-Q reads 0: the printers show it as unknown), no bound-only
//     sockets and no IPV6_V6ONLY; a missing tcp6 or udp6 (no IPv6) is
//     skipped. The kernel prints a socket twice when a read restarts its
//     walk of a hash bucket that changed: a row is kept once, in its later
//     form, when a later row has its protocol, family, endpoints and inode,
//     or the same endpoints and either has no inode (a TIME_WAIT, request
//     or orphaned socket is the connection of the socket it was or became).
//
// Config.Mode forces either source (ModeNetlink, ModeProc): then nothing
// falls back.
//
// # What needs privilege
//
//   - The sockets of the caller's own namespace, from either source: none.
//     The kernel answers sock_diag dumps and serves /proc/net to any user.
//   - Another namespace (Config.NetNS, a file such as /run/netns/NAME or
//     /proc/PID/ns/net): CAP_SYS_ADMIN to enter it with setns(2), on a
//     locked thread that leaves it afterwards. The file is opened without
//     blocking and must be a namespace: a FIFO, a device or a plain file
//     is refused, naming what it is.
//   - Bound-only sockets (BOUND_INACTIVE): no privilege, Linux 6.8 or
//     later, netlink only.
//   - Settings and counters (Config.Settings: the port and TIME_WAIT
//     sysctls under /proc/sys/net, /proc/net/netstat and snmp): none.
//   - Processes (Config.Processes, the walk of /proc/PID/fd) and Remember:
//     a user sees their own processes; other users' need root
//     (CAP_SYS_PTRACE). Root may be refused too, by a security module
//     (Yama, SELinux, AppArmor) or a process in a user namespace beyond
//     its reach. Those that cannot be read (EACCES, EPERM) are counted in
//     Owners.Hidden, not reported as errors, and Owners.HiddenErr keeps
//     why for the lowest pid: the errno and the file that answered it.
//   - One socket's tcp_info (Collector.TCPInfo): none, netlink only.
//   - ReadProcessDetail (/proc/PID/cmdline and cgroup): none, unless /proc
//     is mounted with hidepid.
//   - Every namespace (Config.NetNSAll): FindNetNS needs nothing to read
//     the nsfs mounts of /proc/self/mountinfo, but other users'
//     /proc/PID/ns/net need root; entering any namespace but the caller's
//     takes CAP_SYS_ADMIN. Without it the caller's own is read and Notify
//     says once what could not be entered and why.
//
// # Several namespaces
//
// Config.NetNSAll (or NetNSes) reads several namespaces into one snapshot.
// FindNetNS finds them, at each snapshot: every process's /proc/PID/ns/net,
// deduplicated by inode, and every nsfs bind mount in /proc/self/mountinfo
// (`ip netns`'s /run/netns/NAME, Docker's /run/docker/netns/ID, CNI's),
// which finds the namespaces only a mount keeps alive; one held only by
// an open descriptor is not found. Each is read on a worker thread
// (Config.Workers, one per CPU by default) that locks itself, opens the
// namespace's file, checks it is still the namespace found (a reused PID
// is another), enters it with setns(2), dumps it as above, and leaves.
// The kernel's TCP hash tables are shared by every namespace, so each
// dump walks every TCP socket of the host: the cost is namespaces × host
// sockets, not the sockets listed. A namespace that vanishes before it is
// entered is skipped and Notify says so. The processes holding sockets
// are walked once for all: socket inodes are the host's.
//
// Each namespace is named from its first processes' cgroups
// (/proc/PID/cgroup: libpod-ID, docker-ID.scope or /docker/ID,
// cri-containerd-ID.scope, crio-ID.scope) and the runtimes' own files,
// without their daemons: containers/storage's containers.json (Podman,
// CRI-O), /var/lib/docker/containers/ID/config.v2.json (Docker), the task
// bundle's config.json annotations under
// /run/containerd/io.containerd.runtime.v2.task/*/ID (containerd's CRI:
// pod, Kubernetes namespace, container). A namespace whose first process
// is in no container (the host's, shared by a container run with the
// host's network) is none's. The names are untrusted text.
//
// # Processes
//
// Config.Processes asks which processes hold each socket (Snapshot.Owners).
// The walk of /proc/PID/fd runs while the kernel dumps the sockets; a
// Collector's first snapshot walks every process, later ones only those
// that may have changed, and every process again once in 60 snapshots.
// Config.Remember keeps who held each connection, so that its TIME_WAIT
// or orphaned socket, which belongs to no file, is still named
// (Snapshot.Former).
//
// # One socket's tcp_info
//
// Collector.TCPInfo asks sock_diag, in Config.NetNS, for one socket's
// struct tcp_info and congestion control name: one request naming its
// addresses, ports and cookie (a v4-mapped socket's addresses mapped
// again), not a dump. A socket that closed, or whose addresses a newer
// socket took, is ErrGone; a socket bound to a device is found by asking
// again with each interface of the namespace. UDP, SYN_RECV and TIME_WAIT
// sockets have none, nor can /proc tell it: ErrNoInfo (a TIME_WAIT socket
// keeps its cookie, so it is ErrNoInfo for its minute, then ErrGone).
// Older kernels send a shorter struct; what it lacks reads zero.
//
// # Errors and partial snapshots
//
// Collect returns no snapshot only when the namespace cannot be entered
// or identified, or its port range cannot be read. Anything else comes
// back with the snapshot, joined into one error, so that the caller keeps
// what was read:
//
//   - a message that does not decode, or a /proc line that does not
//     parse, is skipped and reported as a *DecodeError naming where it was
//     (the byte offset in the reply stream, or the line number and text);
//     errors.Is(err, ErrDecode) tells it from the rest;
//   - a sysctl or counter file that cannot be read leaves its half of the
//     host facts unread (NetSettings.Read or NetCounters.Read false);
//   - a process walk cut short keeps the owners it found, and one that
//     could not read /proc at all leaves Owners nil;
//   - a dump that fails leaves the snapshot without sockets.
//
// Errno values and os.ErrNotExist stay matchable through the wrapping.
package collect
