// Package bpfevents sees what a snapshot of the socket tables cannot: the
// connect() and bind() calls that failed, with the process, cgroup and
// addresses; every TCP state change with the kernel's timestamp; and how
// long connect() spent choosing a local port, per destination. Small eBPF
// programs (events.c, CO-RE against the kernel's BTF, bpf2go objects
// committed for amd64 and arm64) write fixed-size records to a ring
// buffer; Tracer reads and decodes them (record.go).
//
// What is attached, and why:
//
//   - tp_btf/inet_sock_set_state, the BTF-typed sock:inet_sock_set_state
//     tracepoint: every TCP state change, keyed by the socket's cookie
//     (the one sock_diag reports), with CLOCK_MONOTONIC time, so that
//     opens (SYN_SENT -> ESTABLISHED) and lifetimes are exact. The task
//     it names is the caller for changes a syscall makes (CLOSE ->
//     SYN_SENT, the close); changes made in softirq name whichever task
//     was interrupted. A failed connect() also shows here: CLOSE ->
//     SYN_SENT -> CLOSE, with no local port.
//   - tp_btf/sys_exit, the raw_syscalls exit tracepoint: connect() and
//     bind() returning an error, with the errno the caller saw, the
//     address it passed (read from its memory), and its socket (found
//     through its file table). EINPROGRESS is not an error; a refusal
//     that a non-blocking connect() learns later is the state change
//     SYN_SENT -> CLOSE. The program runs at the exit of every syscall of
//     every task and returns at once for all but failed connect() and
//     bind(); enabling it also moves every syscall to the kernel's slower
//     tracing path. Calls through io_uring and 32-bit compat syscalls are
//     not seen.
//   - a sock_ops program on the cgroup v2 root (BPF_SOCK_OPS_TCP_CONNECT_CB)
//     ends the port-search timer: tcp_v4_connect and tcp_v6_connect set
//     SYN_SENT just before inet_hash_connect looks for a free local port,
//     and tcp_connect calls sock_ops first thing after it (only the route
//     lookup for the new port lies between). A
//     search that fails ends with SYN_SENT -> CLOSE at once. The times go
//     into a log2 histogram per destination and namespace
//     (Tracer.Histograms); a connect error carries its own search's time.
//     Without a cgroup v2 mount only failed searches are timed, and
//     Tracer.Missing says so.
//
// None of these needs tracefs. fentry/fexit on the functions that return
// the errors (tcp_v4_connect, inet_hash_connect, inet_bind_sk) would be
// cheaper than a syscall tracepoint, but on the kernel this was built on
// (6.18, BTF, root with CAP_BPF and CAP_PERFMON) loading them fails with
// EPERM while tp_btf and socket iterators load, and the kernel has no
// kprobes; so no fentry is used.
//
// Records leave through one ring buffer (Options.RingBytes, 4 MiB unless
// set); a record that finds it full is counted per kind in a per-CPU map,
// and Tracer.Lost reports the counts. Each record wakes the reader unless
// Options.Latency is set: then state changes wake it only once a quarter
// of the ring waits, and Read polls every Latency for fewer, which saves
// a wakeup per record on a busy host (BenchmarkConnect measures both). Options.NetNS keeps one network
// namespace's sockets and drops the others in the kernel.
//
// What it needs: Linux 5.12 or later (bpf_get_socket_cookie in tracing
// programs) on amd64 or arm64, with BTF (/sys/kernel/btf/vmlinux), and
// CAP_BPF with CAP_PERFMON and CAP_NET_ADMIN (or
// CAP_SYS_ADMIN). Open says ErrUnavailable, with the reason, when any is
// missing, as it does on other platforms and with Options.Disable (the
// switch tests use to run the way a host without eBPF does); callers say
// it once and go on without failure events.
package bpfevents
