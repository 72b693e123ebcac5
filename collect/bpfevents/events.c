// SPDX-License-Identifier: (MIT OR GPL-2.0)
//go:build ignore

// Failures and state changes of sockets, as they happen. Every attach
// type here works without tracefs: BTF-typed tracepoints (tp_btf) and a
// sock_ops program on the cgroup v2 root. doc.go says why not fentry.
//
//   - tp_btf/inet_sock_set_state: every TCP state change.
//   - tp_btf/sys_exit: connect() and bind() returning an error, with the
//     address the caller passed (read from its memory) and its socket
//     (found through its file table).
//   - the port search: tcp_v4_connect and tcp_v6_connect set SYN_SENT
//     just before inet_hash_connect chooses a local port; then either the
//     search fails and the socket goes back to CLOSE at once, or
//     tcp_connect runs its sock_ops callback (TCP_CONNECT_CB). The time
//     between is the search (plus, on success, the route lookup for the
//     new port), counted in a log2 histogram per destination.

#include "vmlinux.h"
#if defined(__TARGET_ARCH_arm64) && !defined(HAVE_USER_PT_REGS)
// bpf_tracing.h reads arm64's registers through user_pt_regs, which an
// x86 vmlinux.h lacks; CO-RE finds the fields by name on the kernel.
struct user_pt_regs {
	__u64 regs[31];
	__u64 sp;
	__u64 pc;
	__u64 pstate;
} __attribute__((preserve_access_index));
#endif
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6

// Event kinds; record.go has the same numbers.
#define KIND_CONNECT_ERROR 1
#define KIND_BIND_ERROR 2
#define KIND_STATE 3
// Slot of the lost counters for histogram updates refused (map full).
#define LOST_HIST 0
#define LOST_SLOTS 4

#define HIST_SLOTS 32

// event is what Go decodes (record.go); keep the two in step.
struct event {
	__u64 ts;        // bpf_ktime_get_ns: CLOCK_MONOTONIC
	__u64 cookie;    // socket cookie, as sock_diag reports it
	__u64 cgroup;    // cgroup v2 id of the current task
	__u64 search_ns; // connect errors: time spent in inet_hash_connect
	__u32 tgid;      // current task; for state changes in softirq, whoever ran
	__u32 tid;
	__u32 netns;     // inode of the socket's network namespace
	__u32 err;       // positive errno
	__u8 kind;
	__u8 family;
	__u8 proto;
	__u8 oldstate;
	__u8 newstate;
	__u8 pad1;
	__u16 sport;     // host order
	__u16 dport;     // host order
	__u16 pad2;
	__u8 saddr[16];
	__u8 daddr[16];
	char comm[16];
	__u32 pad3;
};

_Static_assert(sizeof(struct event) == 112, "record.go's recordLen");

// dest is a histogram's key: one destination in one namespace.
struct dest {
	__u8 family;
	__u8 pad;
	__u16 dport; // host order
	__u32 netns;
	__u8 daddr[16];
};

struct hist {
	__u64 slots[HIST_SLOTS]; // slot i: [2^i, 2^(i+1)) ns; slot 0 also 0
	__u64 count;
	__u64 sum_ns;
};

// search is a port search under way, keyed by the socket's cookie.
struct search {
	__u64 start;
	struct dest d;
	__u32 tid;
};

// failure is a port search that failed, keyed by the thread, for the
// connect() error that the same thread returns next.
struct failure {
	__u64 cookie;
	__u64 dur;
	__u8 saddr[16];
};

// Which namespace to watch (its inode), or 0 for all; set before loading.
const volatile __u32 want_netns = 0;
// State changes wake the reader only once this many bytes wait (0: each
// one does); the reader polls for fewer. Errors always wake it.
const volatile __u64 wake_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LOST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct dest);
	__type(value, struct hist);
} searches_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct search);
} searching SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct failure);
} failed SEC(".maps");

static __always_inline void count_lost(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &slot);

	if (n)
		(*n)++;
}

static __always_inline bool netns_ok(struct sock *sk)
{
	return !want_netns || BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum) == want_netns;
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r < HIST_SLOTS ? r : HIST_SLOTS - 1;
}

// state_wakeup is the flag a state change is submitted with: no wakeup
// until wake_bytes wait, so that a busy host wakes the reader once per
// batch rather than once per record.
static __always_inline __u64 state_wakeup(void)
{
	if (!wake_bytes)
		return 0;
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wake_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

// new_event reserves a record and fills what every kind carries about
// the current task.
static __always_inline struct event *new_event(__u8 kind)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	__u64 id;

	if (!e) {
		count_lost(kind);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	id = bpf_get_current_pid_tgid();
	e->ts = bpf_ktime_get_ns();
	e->kind = kind;
	e->tgid = id >> 32;
	e->tid = (__u32)id;
	e->cgroup = bpf_get_current_cgroup_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

// sk_local fills the socket's family, protocol, namespace, own address
// and port.
static __always_inline void sk_local(struct event *e, struct sock *sk)
{
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->proto = BPF_CORE_READ(sk, sk_protocol);
	e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (e->family == AF_INET6)
		BPF_CORE_READ_INTO((struct in6_addr *)e->saddr, sk, __sk_common.skc_v6_rcv_saddr);
	else
		BPF_CORE_READ_INTO((__be32 *)e->saddr, sk, __sk_common.skc_rcv_saddr);
}

// sk_dest fills the socket's peer address and port.
static __always_inline void sk_dest(__u8 family, __u8 *addr, __u16 *port, struct sock *sk)
{
	*port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET6)
		BPF_CORE_READ_INTO((struct in6_addr *)addr, sk, __sk_common.skc_v6_daddr);
	else
		BPF_CORE_READ_INTO((__be32 *)addr, sk, __sk_common.skc_daddr);
}

static __always_inline void hist_add(struct dest *d, __u64 dur)
{
	struct hist *h = bpf_map_lookup_elem(&searches_hist, d);

	if (!h) {
		struct hist zero = {};

		bpf_map_update_elem(&searches_hist, d, &zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&searches_hist, d);
		if (!h) {
			count_lost(LOST_HIST);
			return;
		}
	}
	__sync_fetch_and_add(&h->slots[log2_slot(dur)], 1);
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->sum_ns, dur);
}

// search_state follows a connect()'s port search through the state
// changes around it: CLOSE -> SYN_SENT starts it, SYN_SENT -> CLOSE with
// no local port yet ends it in failure.
static __always_inline void search_state(struct sock *sk, int oldstate, int newstate, __u64 cookie, __u64 now)
{
	struct search *s;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT) {
		struct search n = {.start = now, .tid = tid};

		n.d.family = BPF_CORE_READ(sk, __sk_common.skc_family);
		n.d.netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
		sk_dest(n.d.family, n.d.daddr, &n.d.dport, sk);
		bpf_map_update_elem(&searching, &cookie, &n, BPF_ANY);
		return;
	}
	if (oldstate != TCP_SYN_SENT || newstate != TCP_CLOSE)
		return;
	s = bpf_map_lookup_elem(&searching, &cookie);
	if (!s)
		return;
	if (s->tid == tid && BPF_CORE_READ(sk, __sk_common.skc_num) == 0) {
		struct failure f = {.cookie = cookie, .dur = now - s->start};

		hist_add(&s->d, f.dur);
		// The caller clears the source address after this change.
		if (s->d.family == AF_INET6)
			BPF_CORE_READ_INTO((struct in6_addr *)f.saddr, sk, __sk_common.skc_v6_rcv_saddr);
		else
			BPF_CORE_READ_INTO((__be32 *)f.saddr, sk, __sk_common.skc_rcv_saddr);
		bpf_map_update_elem(&failed, &tid, &f, BPF_ANY);
	}
	bpf_map_delete_elem(&searching, &cookie);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(set_state, struct sock *sk, int oldstate, int newstate)
{
	struct event *e;
	__u64 cookie, now;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP || !netns_ok(sk))
		return 0;
	cookie = bpf_get_socket_cookie(sk);
	now = bpf_ktime_get_ns();
	search_state(sk, oldstate, newstate, cookie, now);
	e = new_event(KIND_STATE);
	if (!e)
		return 0;
	e->ts = now;
	e->cookie = cookie;
	e->oldstate = oldstate;
	e->newstate = newstate;
	sk_local(e, sk);
	sk_dest(e->family, e->daddr, &e->dport, sk);
	bpf_ringbuf_submit(e, state_wakeup());
	return 0;
}

// tcp_connect runs this first thing, right after the port search.
SEC("sockops")
int search_done(struct bpf_sock_ops *skops)
{
	struct search *s;
	__u64 cookie;

	if (skops->op != BPF_SOCK_OPS_TCP_CONNECT_CB)
		return 1;
	cookie = bpf_get_socket_cookie(skops);
	s = bpf_map_lookup_elem(&searching, &cookie);
	if (!s)
		return 1;
	hist_add(&s->d, bpf_ktime_get_ns() - s->start);
	bpf_map_delete_elem(&searching, &cookie);
	return 1;
}

// user_sockaddr reads the address a caller passed to connect() or bind()
// from its memory, if it is of the socket's family (a record has one);
// it returns the family, or 0 when it filled nothing.
static __always_inline __u16 user_sockaddr(const void *uaddr, long len, __u8 family, __u8 *addr, __u16 *port)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	} u = {};

	if (len > sizeof(u))
		len = sizeof(u);
	if (len < sizeof(u.sin) || bpf_probe_read_user(&u, len, uaddr))
		return 0;
	if (u.sa.sa_family != family)
		return 0;
	if (family == AF_INET) {
		*port = bpf_ntohs(u.sin.sin_port);
		__builtin_memcpy(addr, &u.sin.sin_addr, 4);
		return AF_INET;
	}
	if (family == AF_INET6 && len >= sizeof(u.sin6)) {
		*port = bpf_ntohs(u.sin6.sin6_port);
		__builtin_memcpy(addr, &u.sin6.sin6_addr, 16);
		return AF_INET6;
	}
	return 0;
}

// fd_sock is the socket behind the current task's descriptor fd, or NULL.
static __always_inline struct sock *fd_sock(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *f = NULL;
	struct socket *so;

	if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), fds + fd) || !f)
		return NULL;
	so = BPF_CORE_READ(f, private_data);
	if (!so)
		return NULL;
	return BPF_CORE_READ(so, sk);
}

// Syscall numbers and how to read them from the saved registers.
#if defined(__TARGET_ARCH_x86)
#define NR_CONNECT 42
#define NR_BIND 49
#define SYSCALL_NR(regs) BPF_CORE_READ(regs, orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define NR_CONNECT 203
#define NR_BIND 200
struct pt_regs___nr {
	int syscallno;
} __attribute__((preserve_access_index));
#define SYSCALL_NR(regs) BPF_CORE_READ((struct pt_regs___nr *)(regs), syscallno)
#else
#error "events.c: no syscall numbers for this architecture"
#endif

#define EBADF 9
#define ENOTSOCK 88
#define EINPROGRESS 115

// syscall_error reports connect() or bind() returning err, as the caller
// sees it.
static __always_inline void syscall_error(struct pt_regs *regs, __u8 kind, long err)
{
	struct sock *sk = fd_sock(PT_REGS_PARM1_CORE_SYSCALL(regs));
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct failure *f;
	struct event *e;
	__u8 family;

	if (!sk)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if ((family != AF_INET && family != AF_INET6) || !netns_ok(sk))
		return;
	e = new_event(kind);
	if (!e)
		return;
	e->err = err;
	sk_local(e, sk);
	e->cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	if (kind == KIND_BIND_ERROR) {
		user_sockaddr((void *)PT_REGS_PARM2_CORE_SYSCALL(regs), PT_REGS_PARM3_CORE_SYSCALL(regs),
			      family, e->saddr, &e->sport);
		bpf_ringbuf_submit(e, 0);
		return;
	}
	user_sockaddr((void *)PT_REGS_PARM2_CORE_SYSCALL(regs), PT_REGS_PARM3_CORE_SYSCALL(regs),
		      family, e->daddr, &e->dport);
	f = bpf_map_lookup_elem(&failed, &tid);
	if (f && f->cookie == e->cookie) {
		// The port search failed: the socket has lost the source
		// address it had chosen, the search kept it.
		__builtin_memcpy(e->saddr, f->saddr, sizeof(e->saddr));
		e->search_ns = f->dur;
	}
	if (f)
		bpf_map_delete_elem(&failed, &tid);
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	long nr;

	// Every syscall of every task passes here: leave at once unless it is
	// a failed connect() or bind().
	if (ret >= 0 || ret == -EINPROGRESS)
		return 0;
	// Without a socket behind the descriptor there is nothing to report,
	// and its file's private data is no struct socket to read.
	if (ret == -EBADF || ret == -ENOTSOCK)
		return 0;
	nr = SYSCALL_NR(regs);
	if (nr == NR_CONNECT)
		syscall_error(regs, KIND_CONNECT_ERROR, -ret);
	else if (nr == NR_BIND)
		syscall_error(regs, KIND_BIND_ERROR, -ret);
	return 0;
}
