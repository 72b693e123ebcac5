package collect

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// nsRead is what reading one namespace of several gave.
type nsRead struct {
	snap *model.Snapshot
	err  error
	// skip is why the namespace was not read at all: gone (vanished) or
	// not allowed in (denied); nil when it was.
	gone, denied error
}

// collectMany reads several namespaces into one snapshot (Config.NetNSAll,
// Config.NetNSes): each on a worker thread that enters it (setns), dumps
// it and leaves, while the owners, when asked for, are walked once for
// them all (socket inodes are the host's, not a namespace's).
func (c *Collector) collectMany(ctx context.Context, emit func(*model.Snapshot, []model.Socket) error) (*model.Snapshot, error) {
	start := time.Now()
	var walked chan error
	if c.cfg.Processes {
		walked = make(chan error, 1)
		go func() { walked <- c.owners.begin(c.cfg.ProcRoot) }()
	}
	nss, findErr := c.namespaces()
	if findErr != nil {
		if walked != nil {
			<-walked
		}
		return nil, findErr
	}
	c.nameContainers(nss)
	reads := c.readAll(ctx, nss)
	snap, err := c.merge(nss, reads)
	snap.Taken = start
	return c.finish(snap, walked, emit, start, err)
}

// readAll reads each namespace of nss on Config.Workers threads at once.
func (c *Collector) readAll(ctx context.Context, nss []model.Namespace) []nsRead {
	reads := make([]nsRead, len(nss))
	workers := c.cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(nss))
	next := make(chan int)
	var wg sync.WaitGroup
	var noteMu sync.Mutex
	notify := func(msg string) {
		noteMu.Lock()
		defer noteMu.Unlock()
		c.notify(msg)
	}
	for range workers {
		wg.Go(func() {
			for i := range next {
				reads[i] = c.readNS(ctx, &nss[i], notify)
			}
		})
	}
	for i := range nss {
		next <- i
	}
	close(next)
	wg.Wait()
	return reads
}

// readNS reads one namespace: the caller's own directly, another by
// entering the file it was found by, checked to be the same namespace
// still (a /proc/PID/ns/net whose process exited and whose PID was
// reused is another).
func (c *Collector) readNS(ctx context.Context, ns *model.Namespace, notify func(string)) nsRead {
	sub := New(Config{Mode: c.cfg.Mode, ProcRoot: c.cfg.ProcRoot, Protos: c.cfg.Protos, Families: c.cfg.Families,
		States: c.cfg.States, Settings: c.cfg.Settings, Notify: notify})
	sub.dial = c.dial
	if ns.Own {
		snap, err := sub.collectOne(ctx, nil, func(fn func() error) error { return fn() })
		return nsRead{snap: snap, err: err}
	}
	f, err := openNetNS(ns.Path)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH):
			return nsRead{gone: err}
		case errors.Is(err, fs.ErrPermission):
			return nsRead{denied: err}
		}
		return nsRead{err: err}
	}
	defer f.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil || uint32(st.Ino) != ns.Inode {
		return nsRead{gone: fmt.Errorf("%s is no longer namespace %d", ns.Path, ns.Inode)}
	}
	sub.cfg.NetNS = ns.Path // entered: read /proc/thread-self/net
	snap, err := sub.collectOne(ctx, nil, func(fn func() error) error { return withNetNSFile(f, ns.Path, fn) })
	if snap == nil && errors.Is(err, unix.EPERM) {
		return nsRead{denied: err}
	}
	return nsRead{snap: snap, err: err}
}

// merge joins the namespaces' snapshots into one, keeping in Namespaces
// those that were read, and tells Notify what was skipped.
func (c *Collector) merge(nss []model.Namespace, reads []nsRead) (*model.Snapshot, error) {
	snap := &model.Snapshot{}
	n := 0
	for i := range reads {
		if reads[i].snap != nil {
			n += len(reads[i].snap.Sockets)
		}
	}
	snap.Sockets = make([]model.Socket, 0, n)
	var errs []error
	var denied []string
	for i, r := range reads {
		ns := nss[i]
		switch {
		case r.gone != nil:
			c.note(fmt.Sprintf("conntab: network namespace %d (%q) vanished while it was read; skipped", ns.Inode, ns.Path))
			continue
		case r.denied != nil:
			denied = append(denied, strconv.Quote(ns.Path))
			continue
		case r.snap == nil:
			errs = append(errs, fmt.Errorf("network namespace %d (%q): %w", ns.Inode, ns.Path, r.err))
			continue
		case r.err != nil:
			errs = append(errs, fmt.Errorf("network namespace %d (%q): %w", ns.Inode, ns.Path, r.err))
		}
		ns.Host = r.snap.Host
		snap.Sockets = append(snap.Sockets, r.snap.Sockets...)
		snap.Namespaces = append(snap.Namespaces, ns)
		if ns.Own || snap.Source == 0 {
			snap.NetNS, snap.Host, snap.Source = ns.Inode, r.snap.Host, r.snap.Source
		}
	}
	if len(denied) > 0 {
		c.note(fmt.Sprintf("conntab: could not enter %d network namespace(s) (%s): entering another namespace takes CAP_SYS_ADMIN; listed %d",
			len(denied), shortList(denied, 3), len(snap.Namespaces)))
	}
	if len(snap.Namespaces) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("collect: no network namespace could be read"))
	}
	return snap, errors.Join(errs...)
}

// namespaces are the namespaces to read: every one FindNetNS finds
// (NetNSAll), or those of the files NetNSes names, with what the search
// knows of them (processes, `ip netns` name). A file named that is no
// namespace is an error before anything is read.
func (c *Collector) namespaces() ([]model.Namespace, error) {
	found, rep := FindNetNS(c.cfg.ProcRoot)
	if rep.Hidden > 0 && !c.hiddenSaid {
		c.hiddenSaid = true
		c.note(hiddenNote(rep, os.Geteuid() == 0))
	}
	if rep.Err != nil {
		c.note("conntab: " + rep.Err.Error())
	}
	if c.cfg.NetNSAll {
		return found, nil
	}
	var out []model.Namespace
	for _, p := range c.cfg.NetNSes {
		f, err := openNetNS(p)
		if err != nil {
			return nil, err
		}
		var st syscall.Stat_t
		err = syscall.Fstat(int(f.Fd()), &st)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("collect: network namespace %s: %w", p, err)
		}
		ns := model.Namespace{Inode: uint32(st.Ino)}
		if i := indexNS(found, ns.Inode); i >= 0 {
			ns = found[i]
		}
		ns.Path = p
		if indexNS(out, ns.Inode) < 0 {
			out = append(out, ns)
		}
	}
	sortNS(out)
	return out, nil
}

// hiddenNote says whose namespaces the search could not read, and why:
// other users' /proc/PID/ns/net need root; as root, a process may still
// deny it (one in another user namespace, or the machine's init here).
func hiddenNote(rep FindReport, root bool) string {
	pids := make([]string, len(rep.HiddenPIDs))
	for i, p := range rep.HiddenPIDs {
		pids[i] = strconv.Itoa(int(p))
	}
	list := strings.Join(pids, ", ")
	if rep.Hidden > len(pids) {
		list += ", …"
	}
	what := "the network namespace of 1 process"
	if rep.Hidden > 1 {
		what = fmt.Sprintf("the network namespaces of %d processes", rep.Hidden)
	}
	if !root {
		return fmt.Sprintf("conntab: %s (PID %s) could not be seen: other users' /proc/PID/ns/net need root", what, list)
	}
	return fmt.Sprintf("conntab: %s (PID %s) could not be read even as root: the kernel refused /proc/PID/ns/net (a process in another user namespace can), so those namespaces are listed only where another process or a mount shares them", what, list)
}
