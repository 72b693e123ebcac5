package collect

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

func (c *Collector) collect(ctx context.Context, emit func(*model.Snapshot, []model.Socket) error) (*model.Snapshot, error) {
	if c.cfg.NetNSAll || len(c.cfg.NetNSes) > 0 {
		return c.collectMany(ctx, emit)
	}
	return c.collectOne(ctx, emit, func(fn func() error) error { return withNetNS(c.cfg.NetNS, fn) })
}

// collectOne reads the one namespace that enter runs its function in.
func (c *Collector) collectOne(ctx context.Context, emit func(*model.Snapshot, []model.Socket) error, enter func(func() error) error) (*model.Snapshot, error) {
	start := time.Now()
	snap := &model.Snapshot{}
	// The process table is the PID namespace's, whichever network
	// namespace is read: walk it while the kernel dumps the sockets. From
	// the second snapshot on, the walk reads only the processes that may
	// have changed, and then checks the dump's sockets against what it
	// found (ownerTracker).
	var walked chan error
	if c.cfg.Processes {
		walked = make(chan error, 1)
		go func() { walked <- c.owners.begin(c.cfg.ProcRoot) }()
	}
	var dumpErr, factsErr error
	err := enter(func() error {
		ns, err := netnsInode(c.cfg.ProcRoot)
		if err != nil {
			return err
		}
		snap.NetNS = ns
		if snap.Host, err = readHostFacts(c.cfg.ProcRoot); err != nil {
			return err
		}
		if c.cfg.Settings {
			factsErr = readNetFacts(&snap.Host, c.cfg.ProcRoot, c.cfg.NetNS != "")
		}
		// Taken is the moment the table is read, right before the dump and
		// right after the counters: the rates between two snapshots, and
		// the TIME_WAIT timers told against them, are over the time between
		// their dumps, and a loaded host's delay in reading the settings
		// does not stand between the two.
		snap.Taken = time.Now()
		dumpErr = c.dump(ctx, snap, emit)
		snap.Read = time.Now()
		return nil
	})
	if err != nil {
		if walked != nil {
			<-walked // the tracker is not to be touched by two snapshots at once
		}
		return nil, err
	}
	for i := range snap.Sockets {
		snap.Sockets[i].NetNS = snap.NetNS
	}
	// The sockets were read; settings or counters that were not go with
	// the snapshot, as a socket that did not decode does.
	dumpErr = errors.Join(factsErr, dumpErr)
	return c.finish(snap, walked, emit, start, dumpErr)
}

// finish completes a snapshot whose sockets were read: the owners the
// walk (walked, nil when none was started) found joined to them, the
// TIME_WAIT owners remembered, the sockets emitted in one batch when they
// were not streamed (read from /proc, with their processes, or from
// several namespaces), and its duration since start. err is the reading's
// error so far; the walk's and emit's join it.
func (c *Collector) finish(snap *model.Snapshot, walked chan error, emit func(*model.Snapshot, []model.Socket) error, start time.Time, err error) (*model.Snapshot, error) {
	if walked != nil {
		// A walk that failed part way (out of descriptors, say) still
		// names the owners it found; the error goes with the snapshot.
		if werr := <-walked; werr != nil {
			err = errors.Join(err, werr)
		} else {
			owners, oerr := c.owners.finish(c.cfg.ProcRoot, snap.Sockets)
			err = errors.Join(err, oerr)
			snap.Owners = owners
		}
		if c.cfg.Remember {
			c.memory = c.memory.apply(snap)
		}
	}
	if emit != nil && len(snap.Sockets) > 0 {
		err = errors.Join(emit(snap, snap.Sockets), err)
		snap.Sockets = nil
	}
	snap.Duration = time.Since(start)
	return snap, err
}

// dump fills snap from the configured source, or streams the sockets to
// emit where it can (see Stream).
func (c *Collector) dump(ctx context.Context, snap *model.Snapshot, emit func(*model.Snapshot, []model.Socket) error) error {
	if c.cfg.Mode == ModeProc {
		snap.Source = model.SourceProc
		return c.readProc(snap)
	}
	snap.Source = model.SourceNetlink
	var err error
	streamed := false
	if emit != nil && !c.cfg.Processes {
		streamed, err = c.streamNetlink(ctx, snap, emit)
	} else {
		err = c.dumpNetlink(ctx, snap)
	}
	if c.cfg.Mode == ModeNetlink || err == nil || !refused(err) || streamed {
		return err
	}
	c.notify(fmt.Sprintf("conntab: netlink sock_diag refused (%v); reading /proc/net instead", err))
	snap.Sockets = snap.Sockets[:0]
	snap.Source = model.SourceProc
	return c.readProc(snap)
}

// netDir is where the namespace's /proc/net files are: under thread-self
// when a namespace was entered on this thread, since /proc/net follows the
// process's main thread, not the caller's.
func netDir(root string, entered bool) string {
	if entered {
		return filepath.Join(root, "thread-self", "net")
	}
	return filepath.Join(root, "net")
}

func netnsInode(root string) (uint32, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(root, "thread-self", "ns", "net"), &st); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, nil // a fixture root without namespaces
		}
		return 0, fmt.Errorf("network namespace: %w", err)
	}
	return uint32(st.Ino), nil
}

// readHostFacts reads the port-range sysctls of the current namespace. A
// root without them (a fixture) leaves the facts zero. The files are read
// here rather than through procfs: its package initialiser costs a third of
// a millisecond at every start, a tenth of listing a host's listeners; a
// test keeps procfs as the oracle.
func readHostFacts(root string) (model.HostFacts, error) {
	var h model.HostFacts
	rng, err := readSysctl(root, "net/ipv4/ip_local_port_range")
	if errors.Is(err, os.ErrNotExist) {
		return h, nil
	}
	if err != nil {
		return h, fmt.Errorf("reading net.ipv4.ip_local_port_range: %w", err)
	}
	if h.Ephemeral, err = model.ParsePortRange(rng); err != nil {
		return h, fmt.Errorf("net.ipv4.ip_local_port_range: %w", err)
	}
	res, err := readSysctl(root, "net/ipv4/ip_local_reserved_ports")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return h, fmt.Errorf("reading net.ipv4.ip_local_reserved_ports: %w", err)
	}
	if h.Reserved, err = model.ParsePortList(res); err != nil {
		return h, fmt.Errorf("net.ipv4.ip_local_reserved_ports: %w", err)
	}
	return h, nil
}

// readSysctl reads /proc/sys/NAME under root, trimmed.
func readSysctl(root, name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "sys", name))
	return strings.TrimSpace(string(b)), err
}

// setnsError says why setns(2) refused the namespace file at path, in
// the words of what to do about it; the errno stays matchable.
func setnsError(path string, err error) error {
	switch {
	case errors.Is(err, unix.EINVAL):
		return fmt.Errorf("%s is not a network namespace: %w", path, err)
	case errors.Is(err, unix.EPERM):
		return fmt.Errorf("not allowed to enter %s (it takes CAP_SYS_ADMIN): %w", path, err)
	}
	return fmt.Errorf("entering the network namespace %s: %w", path, err)
}

// withNetNS runs fn on a thread that is inside the network namespace at
// path, or directly when path is empty. Sockets and files opened by fn stay
// in that namespace after it returns.
func withNetNS(path string, fn func() error) error {
	if path == "" {
		return fn()
	}
	target, err := openNetNS(path)
	if err != nil {
		return err
	}
	defer target.Close()
	return withNetNSFile(target, path, fn)
}

// withNetNSFile runs fn on a locked thread inside the namespace target
// (opened from path, which errors name), and takes the thread back out.
func withNetNSFile(target *os.File, path string, fn func() error) error {
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("network namespace: %w", err)
	}
	defer orig.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return setnsError(path, err)
	}
	fnErr := fn()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		// Leave the thread locked: it dies with this goroutine instead of
		// serving others in the wrong namespace.
		return fmt.Errorf("leaving the network namespace %s: %w", path, err)
	}
	runtime.UnlockOSThread()
	return fnErr
}

// openNetNS opens the namespace file at path (/run/netns/NAME,
// /proc/PID/ns/net) and checks that it is a namespace. It opens without
// blocking: a FIFO named by mistake would hold open(2) until a writer
// came, deaf to signals.
func openNetNS(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err // an *fs.PathError: "open /run/netns/blue: no such file or directory"
	}
	var fs unix.Statfs_t
	st, err := f.Stat()
	if err == nil {
		err = unix.Fstatfs(int(f.Fd()), &fs)
	}
	kind := ""
	switch {
	case err != nil:
		err = fmt.Errorf("collect: network namespace %s: %w", path, err)
	case !st.Mode().IsRegular():
		kind = names.FileKind(st.Mode())
	case fs.Type != unix.NSFS_MAGIC:
		kind = "a plain file"
	}
	if kind != "" {
		err = fmt.Errorf("%s is %s, %w (a namespace file such as /run/netns/NAME or /proc/PID/ns/net)", path, kind, ErrNotNetNS)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
