package collect

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/mdlayher/netlink"

	"github.com/conntab/conntab/model"
)

// Mode chooses where sockets are read from.
type Mode uint8

// Modes.
const (
	ModeAuto    Mode = iota // netlink, falling back to /proc when netlink is refused
	ModeNetlink             // netlink only
	ModeProc                // /proc/net only
)

func (m Mode) String() string {
	switch m {
	case ModeAuto:
		return "auto"
	case ModeNetlink:
		return "netlink"
	case ModeProc:
		return "proc"
	}
	return fmt.Sprintf("mode(%d)", uint8(m))
}

// ParseMode reads a mode as String spells it.
func ParseMode(s string) (Mode, error) {
	for _, m := range []Mode{ModeAuto, ModeNetlink, ModeProc} {
		if s == m.String() {
			return m, nil
		}
	}
	return 0, fmt.Errorf("unknown source %q (want auto, netlink or proc)", s)
}

// Config says what to collect and from where. The zero value collects every
// TCP and UDP socket of both families in every state, from the caller's
// network namespace, netlink first.
type Config struct {
	Mode Mode
	// ProcRoot is where procfs is mounted; "" means /proc.
	ProcRoot string
	// NetNS is a network namespace file (/run/netns/NAME, /proc/PID/ns/net)
	// to read instead of the caller's. Entering it needs CAP_SYS_ADMIN.
	NetNS string
	// NetNSAll reads every network namespace of the host (FindNetNS
	// finds them afresh at each snapshot) and NetNSes the namespaces of
	// these files, all into one snapshot whose sockets carry their
	// namespace and whose Namespaces name them (their containers too,
	// from the runtimes' files). Either replaces NetNS. Another namespace
	// than the caller's takes CAP_SYS_ADMIN to enter: without it, NetNSAll
	// reads the caller's own and Notify says once what it could not
	// enter. A namespace that vanishes while it is read is skipped, and
	// Notify says so.
	NetNSAll bool
	NetNSes  []string
	// RuntimeRoot is where the container runtimes' files are looked for
	// (var/lib/containers, var/lib/docker, run/containerd below it), to
	// name the namespaces' containers; "" is "/".
	RuntimeRoot string
	// Workers is how many namespaces are read at once (each on a thread
	// of its own); 0 is one per CPU.
	Workers int
	// Protos and Families select what is dumped; nil means all.
	Protos   []model.Proto
	Families []model.Family
	// States selects states; 0 means model.AllStateSet. The set is handed
	// to the kernel, so unwanted states cost nothing.
	States model.StateSet
	// Notify, if set, is told once per Collector when auto mode falls back
	// from netlink to /proc, and why.
	Notify func(msg string)
	// Processes asks which processes hold each socket (Snapshot.Owners), by
	// a walk of /proc/PID/fd. A Collector's first snapshot walks every
	// process; later ones re-read only the processes that are new or whose
	// descriptor count, credentials or start time changed, or all when a
	// new socket has no owner, and every process once in 60 snapshots
	// (see fullWalkEvery for what may go unseen in between). Other users'
	// processes need root to be seen; those that cannot be are counted in
	// Owners.Hidden.
	Processes bool
	// BoundEvery, above 1, walks the kernel's bind table for bound-only
	// TCP sockets (BOUND_INACTIVE) of a large family only every
	// BoundEvery-th snapshot, and lists the last walk's in between. The
	// walk visits every bound port, connections' included: on the
	// benchmark namespace (130,000 sockets) it took about 35 ms a family,
	// against some 200 ms of CPU for a whole collection. A dashboard
	// refreshing every second sets it; a one-shot listing does not.
	BoundEvery int
	// Remember keeps, across this Collector's snapshots, which processes
	// held each connection, to name the former owners of its TIME_WAIT and
	// orphaned sockets (Snapshot.Former). It needs Processes.
	Remember bool
	// Settings asks for Snapshot.Host.Settings and .Counters: the
	// namespace's port and TIME_WAIT sysctls and its TCP counters, some
	// dozen small file reads a snapshot. The ports report and the
	// dashboard set it; the listing does not. A file that cannot be read
	// or decoded leaves its half unread (Read false) and is reported with
	// the snapshot.
	Settings bool
}

// Errors callers can match with errors.Is.
var (
	// ErrUnsupported: this platform has no collector.
	ErrUnsupported = errors.New("not supported on this platform")
	// ErrDecode: some of the kernel's data could not be decoded. The
	// snapshot returned with it holds every socket that could.
	ErrDecode = errors.New("malformed data")
	// ErrGone: the socket asked about (Collector.TCPInfo) no longer exists.
	ErrGone = model.ErrGone
	// ErrNoInfo: the socket has no tcp_info (UDP, TIME_WAIT, SYN_RECV), or
	// the source cannot ask for it (/proc).
	ErrNoInfo = errors.New("no tcp_info for this socket")
)

// DecodeError says where in a dump or file decoding failed.
type DecodeError struct {
	// Where names the dump or file ("netlink tcp/inet", "/proc/net/tcp").
	Where string
	// Offset is the byte offset in the netlink message stream, or the line
	// number (from 1) in a /proc file.
	Offset int64
	// Line is set for /proc files: the offending line, quoted in Error.
	Line string
	Err  error
}

func (e *DecodeError) Error() string {
	if e.Line != "" {
		return fmt.Sprintf("%s line %d: %v: %q", e.Where, e.Offset, e.Err, e.Line)
	}
	return fmt.Sprintf("%s at offset %d: %v", e.Where, e.Offset, e.Err)
}

func (e *DecodeError) Unwrap() []error { return []error{ErrDecode, e.Err} }

// Collector reads snapshots. It is not safe for concurrent use.
type Collector struct {
	cfg      Config
	notified bool
	// hiddenSaid is set once Notify was told of processes whose
	// namespace could not be seen (NetNSAll).
	hiddenSaid bool
	// containers are the containers named so far, by id (NetNSAll).
	containers map[string]model.Container
	// dial opens the sock_diag connection; tests replace it.
	dial func() (*netlink.Conn, error)
	// boundSkipAt is how many TCP sockets a namespace needs before
	// BoundEvery skips the bind-table walk; tests lower it.
	boundSkipAt int
	// byFamily is set once the kernel refused TCP of both families in
	// one dump: it is then asked a family at a time.
	byFamily bool
	// bound is what BoundEvery keeps between snapshots.
	bound boundCache
	// memory is what Remember keeps between snapshots.
	memory ownerMemory
	// owners is what Processes keeps between snapshots, so that a
	// snapshot re-reads only the descriptor tables that may have changed.
	owners ownerTracker
}

// New returns a Collector for cfg.
func New(cfg Config) *Collector {
	if cfg.ProcRoot == "" {
		cfg.ProcRoot = "/proc"
	}
	if cfg.States == 0 {
		cfg.States = model.AllStateSet
	}
	if len(cfg.Protos) == 0 {
		cfg.Protos = []model.Proto{model.ProtoTCP, model.ProtoUDP}
	}
	if len(cfg.Families) == 0 {
		cfg.Families = []model.Family{model.FamilyInet, model.FamilyInet6}
	}
	return &Collector{cfg: cfg, dial: dialSockDiag, boundSkipAt: defaultBoundSkipAt}
}

// Collect reads one snapshot. On a decoding error (errors.Is ErrDecode) the
// snapshot is still returned with every socket that could be read.
func (c *Collector) Collect(ctx context.Context) (*model.Snapshot, error) {
	return c.collect(ctx, nil)
}

// Stream reads what Collect reads but hands the sockets to emit as the
// kernel's replies are decoded, in the kernel's order, a batch at a time,
// with the snapshot they belong to (its host facts, source and namespace
// are read before the sockets),
// holding no more than a few thousand: a listing of a million sockets
// writes them as they come instead of holding them all. emit must not keep
// the batch; an error from it ends the reading and is returned. The
// snapshot returned holds no sockets. With Processes, or from /proc, the
// sockets are read whole first and handed on in one batch.
func (c *Collector) Stream(ctx context.Context, emit func(*model.Snapshot, []model.Socket) error) (*model.Snapshot, error) {
	return c.collect(ctx, emit)
}

// notify tells Notify, once, that netlink was refused.
func (c *Collector) notify(msg string) {
	if c.notified || c.cfg.Notify == nil {
		return
	}
	c.notified = true
	c.cfg.Notify(msg)
}

// refused reports whether err means the kernel will not answer sock_diag
// here, so /proc is the way: no permission, no module, or a sandbox.
func refused(err error) bool {
	for _, e := range []error{syscall.EPERM, syscall.EACCES, syscall.EPROTONOSUPPORT, syscall.ENOENT, syscall.EAFNOSUPPORT, syscall.ENOSYS} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
