package collect

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// The walk costs two system calls per descriptor (its share of a
// getdents64, and a readlinkat), about 3 µs on the benchmark VM, so it is
// spread over both cores, and finely: on a server a few processes hold
// almost every socket, and one worker per process would leave a core idle
// while the other walks the last big one.
const (
	// ownerWorkers is how many goroutines walk /proc at once.
	ownerWorkers = 2
	// fdChunk is how many descriptors a worker takes at a time from a
	// process's list (about a millisecond of readlinkat).
	fdChunk = 256
)

// readOwners walks /proc/PID/fd of every process under procRoot once and
// returns, for every socket inode found, the processes (pid, fd, comm)
// that hold it. Processes that vanish mid-walk are skipped silently;
// processes whose fd directory this user may not read (EACCES/EPERM) are
// counted in Owners.Hidden, not reported as errors.
//
// Only a failure to read procRoot itself is an error (os.ErrNotExist and
// the errno stay matchable), or a failure the walk cannot explain (EMFILE
// opening a process's directory): then the Owners of every other process
// are returned with the first such error.
//
// Threads are not walked: they share their process's descriptor table.
func readOwners(procRoot string) (*model.Owners, error) {
	root, err := openProcRoot(procRoot)
	if err != nil {
		return nil, err
	}
	defer unix.Close(root)
	first := newOwnerWorker()
	pids, err := listPIDs(root, first.dents)
	if err != nil {
		return nil, listError(procRoot, err)
	}
	scan := walkOwners(procRoot, root, pids, nil, first)
	return model.NewOwners(scan.owners, scan.hidden), scan.err
}

func openProcRoot(procRoot string) (int, error) {
	root, err := unix.Open(procRoot, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("collect: reading owners: %w", &os.PathError{Op: "open", Path: procRoot, Err: err})
	}
	return root, nil
}

func listError(procRoot string, err error) error {
	return fmt.Errorf("collect: reading owners: %w", &os.PathError{Op: "getdents", Path: procRoot, Err: err})
}

// ownerScan is what one walk found.
type ownerScan struct {
	owners []model.Owner // sorted by compareOwners
	hidden int
	// procs, for a walk that tracks, is every process whose descriptors
	// were read and kept, with what identifies it (procSeen).
	procs []procSeen
	err   error // the first error the walk cannot explain
}

// walkOwners walks the descriptors of the processes pids under root (the
// open procRoot) over both cores; first is a worker to use, whose buffers
// may have listed pids. With identify (ownerTracker.identifyFD) it also
// records, for every process kept, what identify says of its fd directory
// before the walk lists it and its start time, and takes its name from
// /proc/PID/stat rather than /proc/PID/comm (the same bytes).
func walkOwners(procRoot string, root int, pids []procPID, identify func(dir int, name string) (procIdent, error), first *ownerWorker) ownerScan {
	w := &ownerWalk{procRoot: procRoot, root: root, pids: pids, identify: identify}
	w.cond.L = &w.mu
	workers := []*ownerWorker{first}
	for range min(ownerWorkers, runtime.GOMAXPROCS(0), len(pids)) - 1 {
		workers = append(workers, newOwnerWorker())
	}
	var wg sync.WaitGroup
	for _, wk := range workers {
		wg.Go(func() { w.work(wk) })
	}
	wg.Wait()
	// Every job is finished only now: a worker may have done the last
	// chunk of another's. Sorting on every core leaves NewOwners a merge
	// that is already in order.
	for _, wk := range workers {
		wg.Go(wk.settle)
	}
	wg.Wait()

	var scan ownerScan
	for _, wk := range workers {
		scan.owners = mergeOwners(scan.owners, wk.owners)
		scan.hidden += wk.hidden
		scan.procs = append(scan.procs, wk.seen...)
		if scan.err == nil {
			scan.err = wk.err
		}
	}
	return scan
}

// procPID is one process directory under procRoot.
type procPID struct {
	pid  int32
	name string
}

// listPIDs reads the process directories of the open directory root: its
// all-digit names.
func listPIDs(root int, buf []byte) ([]procPID, error) {
	var pids []procPID
	for {
		n, err := unix.Getdents(root, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return pids, nil
		}
		err = eachDirent(buf[:n], func(name []byte) {
			if pid, ok := decimal32(name); ok {
				pids = append(pids, procPID{pid, string(name)})
			}
		})
		if err != nil {
			return nil, err
		}
	}
}

// ownerWalk hands out the work of one readOwners: processes to open, then
// chunks of the descriptors of processes already opened.
type ownerWalk struct {
	procRoot string
	root     int // procRoot, open
	// identify, when set, makes the walk record procSeen for
	// ownerTracker.
	identify func(dir int, name string) (procIdent, error)

	mu      sync.Mutex
	cond    sync.Cond // signalled when a job is published or opening ends
	pids    []procPID
	nextPID int
	jobs    []*fdJob // published, perhaps with chunks left
	opening int      // workers reading a process's fd directory
}

// fdJob is one process's descriptors, listed, and shared out in chunks.
type fdJob struct {
	proc   procPID
	dir    int    // procRoot/PID, kept open until the last chunk is done
	fdDir  int    // procRoot/PID/fd
	names  []byte // descriptor names, each followed by a NUL
	starts []int32
	fds    []int32
	next   atomic.Int64 // next chunk to hand out
	done   atomic.Int64 // descriptors finished
	// trouble is the first error of a chunk that ends the process's walk
	// (EACCES in readlinkat: it became another user's).
	trouble atomic.Pointer[error]
	// ident is what the kernel said of the descriptor table before the
	// list was read: its count and owner (tracking walks only).
	ident procIdent
	// comm and keep are set by whoever finishes the last chunk.
	comm string
	keep bool
}

func (j *fdJob) chunks() int64 { return int64((len(j.fds) + fdChunk - 1) / fdChunk) }

// ownerWorker is one goroutine's state, with buffers it reuses, so that a
// descriptor costs its system calls and no allocation.
type ownerWorker struct {
	dents  []byte // getdents64 records
	link   []byte // one descriptor's link text
	comm   []byte
	stat   []byte // /proc/PID/stat, when tracking
	owners []model.Owner
	runs   []ownerRun
	seen   []procSeen
	hidden int
	err    error // the first error the walk cannot explain
}

// ownerRun is a run of w.owners found in one chunk of job.
type ownerRun struct {
	job        *fdJob
	start, end int
}

func newOwnerWorker() *ownerWorker {
	return &ownerWorker{
		dents: make([]byte, 64<<10),
		// "socket:[" + 20 digits + "]" fits; a link that fills the buffer
		// is longer, a path, and no socket.
		link: make([]byte, 64),
		comm: make([]byte, 64),
		stat: make([]byte, statBuffer),
	}
}

// work runs jobs until every process has been walked: its own first, then
// new processes, then chunks of the others' jobs.
func (w *ownerWalk) work(wk *ownerWorker) {
	for {
		job, pid, ok := w.take()
		if !ok {
			return
		}
		if job == nil {
			job = w.open(wk, pid)
			w.publish(job)
			if job == nil {
				continue
			}
		}
		w.runChunks(wk, job)
	}
}

// take returns a process to open, or a published job with chunks left, or
// false once there is neither and no worker may publish one.
func (w *ownerWalk) take() (*fdJob, procPID, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		if w.nextPID < len(w.pids) {
			p := w.pids[w.nextPID]
			w.nextPID++
			w.opening++
			return nil, p, true
		}
		w.jobs = slices.DeleteFunc(w.jobs, func(j *fdJob) bool { return j.next.Load() >= j.chunks() })
		if len(w.jobs) > 0 {
			return w.jobs[0], procPID{}, true
		}
		if w.opening == 0 {
			return nil, procPID{}, false
		}
		w.cond.Wait()
	}
}

// publish ends an open, sharing job's chunks when it has more than one.
func (w *ownerWalk) publish(job *fdJob) {
	w.mu.Lock()
	w.opening--
	if job != nil && job.chunks() > 1 {
		w.jobs = append(w.jobs, job)
	}
	w.cond.Broadcast()
	w.mu.Unlock()
}

// open lists the descriptors of process p. It returns nil when there is
// nothing more to do for p: it has no descriptors, it is gone, or hidden.
func (w *ownerWalk) open(wk *ownerWorker, p procPID) *fdJob {
	// The process's own directory pins it: should it exit and its pid be
	// reused, lookups under dir fail instead of reading the newcomer.
	dir, err := unix.Openat(w.root, p.name, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if w.failed(wk, p, "", err) {
		return nil
	}
	fdDir, err := unix.Openat(dir, "fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if w.failed(wk, p, "fd", err) {
		unix.Close(dir)
		return nil
	}
	job := &fdJob{proc: p, dir: dir, fdDir: fdDir}
	if w.identify != nil {
		// Counted before the list is read: a descriptor opened in
		// between changes the next count, and so the next pass re-reads.
		job.ident, err = w.identify(dir, "fd")
		if w.failed(wk, p, "fd", err) {
			job.close()
			return nil
		}
	}
	err = job.list(wk.dents)
	if w.failed(wk, p, "fd", err) || len(job.fds) == 0 {
		if err == nil && w.identify != nil && job.ident.fds == 0 {
			// Readable, and nothing to read: a kernel thread, a zombie.
			wk.seen = append(wk.seen, procSeen{pid: p.pid, ident: job.ident})
		}
		job.close()
		return nil
	}
	return job
}

// list reads the names of the descriptors in j.fdDir.
func (j *fdJob) list(buf []byte) error {
	for {
		n, err := unix.Getdents(j.fdDir, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return err
		}
		err = eachDirent(buf[:n], func(name []byte) {
			fd, ok := decimal32(name)
			if !ok {
				return
			}
			j.starts = append(j.starts, int32(len(j.names)))
			j.fds = append(j.fds, fd)
			j.names = append(j.names, name[:len(name)+1]...) // with its NUL
		})
		if err != nil {
			return err
		}
	}
}

func (j *fdJob) close() {
	unix.Close(j.fdDir)
	unix.Close(j.dir)
}

// runChunks does chunks of job until none is left to take; whoever does
// the last one finishes the job.
func (w *ownerWalk) runChunks(wk *ownerWorker, job *fdJob) {
	total := int64(len(job.fds))
	for {
		c := job.next.Add(1) - 1
		if c >= job.chunks() {
			return
		}
		lo := int(c) * fdChunk
		hi := min(lo+fdChunk, len(job.fds))
		if job.trouble.Load() == nil {
			start := len(wk.owners)
			if err := wk.sockets(job, lo, hi); err != nil {
				job.trouble.CompareAndSwap(nil, &err)
			}
			if len(wk.owners) > start {
				wk.runs = append(wk.runs, ownerRun{job, start, len(wk.owners)})
			}
		}
		if job.done.Add(int64(hi-lo)) == total {
			w.finish(wk, job)
		}
	}
}

// sockets appends an Owner, without Comm, for every socket among the
// descriptors lo to hi of job.
func (wk *ownerWorker) sockets(job *fdJob, lo, hi int) error {
	for i := lo; i < hi; i++ {
		n, err := readlinkat(job.fdDir, job.names[job.starts[i]:], wk.link)
		switch {
		case err == unix.ENOENT || err == unix.EINVAL:
			continue // closed since getdents; or, under a fixture root, no link
		case err != nil:
			return err
		case n == len(wk.link):
			continue // truncated: longer than any socket's link
		}
		if ino, ok := socketInode(wk.link[:n]); ok {
			wk.owners = append(wk.owners, model.Owner{Inode: ino, PID: job.proc.pid, FD: job.fds[i]})
		}
	}
	return nil
}

// finish settles a job whose descriptors are all done: it keeps the
// owners found, with the process's name, unless the process went away or
// turned out hidden.
func (w *ownerWalk) finish(wk *ownerWorker, job *fdJob) {
	defer job.close()
	if e := job.trouble.Load(); e != nil {
		w.failed(wk, job.proc, "fd", *e)
		return
	}
	if w.identify == nil {
		comm, err := wk.readComm(job.dir)
		if w.failed(wk, job.proc, "comm", err) {
			return
		}
		job.comm, job.keep = comm, true
		return
	}
	st, err := readStat(job.dir, "stat", wk.stat)
	if w.failed(wk, job.proc, "stat", err) {
		return
	}
	job.comm, job.keep = string(st.comm), true
	job.ident.start = st.start
	wk.seen = append(wk.seen, procSeen{pid: job.proc.pid, ident: job.ident, comm: job.comm})
}

// outcome is what an error of the walk means for the process it hit.
type outcome uint8

const (
	outcomeOK     outcome = iota // no error
	outcomeGone                  // the process went away: skip it
	outcomeHidden                // not ours to read: count it
	outcomeFail                  // unexplained: report it
)

// classify says what err, met while reading a process's files, means.
// A process that exits mid-walk turns its directory into ENOENT or ESRCH;
// another user's descriptors are EACCES, or EPERM under some LSMs.
func classify(err error) outcome {
	switch {
	case err == nil:
		return outcomeOK
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ESRCH):
		return outcomeGone
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return outcomeHidden
	}
	return outcomeFail
}

// failed reports whether err ends the walk of p, counting p as hidden or
// keeping err as the walk's error as classify says.
func (w *ownerWalk) failed(wk *ownerWorker, p procPID, file string, err error) bool {
	switch classify(err) {
	case outcomeOK:
		return false
	case outcomeHidden:
		wk.hidden++
	case outcomeFail:
		if wk.err == nil {
			wk.err = fmt.Errorf("collect: reading owners: %w", &os.PathError{Op: "read", Path: filepath.Join(w.procRoot, p.name, file), Err: err})
		}
	}
	return true
}

// settle fills in the names of the processes wk found owners of, drops
// those of processes that went away or turned out hidden, and sorts the
// rest as model.NewOwners does. Every job is finished by now.
func (wk *ownerWorker) settle() {
	kept := wk.owners[:0]
	for _, r := range wk.runs {
		if !r.job.keep {
			continue
		}
		for _, o := range wk.owners[r.start:r.end] {
			o.Comm = r.job.comm
			kept = append(kept, o)
		}
	}
	clear(wk.owners[len(kept):])
	wk.owners, wk.runs = kept, nil
	slices.SortFunc(wk.owners, compareOwners)
}

// compareOwners orders owners as model.NewOwners does: by inode, pid, fd.
func compareOwners(a, b model.Owner) int {
	if c := cmp.Compare(a.Inode, b.Inode); c != 0 {
		return c
	}
	if c := cmp.Compare(a.PID, b.PID); c != 0 {
		return c
	}
	return cmp.Compare(a.FD, b.FD)
}

// mergeOwners merges two slices sorted by compareOwners.
func mergeOwners(a, b []model.Owner) []model.Owner {
	if len(a) == 0 {
		return b
	}
	out := make([]model.Owner, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if compareOwners(a[0], b[0]) <= 0 {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// readlinkat reads the link name in directory dirfd into buf. name must
// start with the link's name and hold the NUL that ends it, as fdJob.names
// does: unix.Readlinkat would copy the name into a new C string for every
// descriptor.
func readlinkat(dirfd int, name, buf []byte) (int, error) {
	for {
		n, _, errno := syscall.Syscall6(unix.SYS_READLINKAT, uintptr(dirfd),
			uintptr(unsafe.Pointer(unsafe.SliceData(name))),
			uintptr(unsafe.Pointer(unsafe.SliceData(buf))), uintptr(len(buf)), 0, 0)
		switch errno {
		case 0:
			return int(n), nil
		case unix.EINTR:
			continue
		}
		return 0, errno
	}
}

// readComm reads the process name from dir/comm: the kernel's bytes
// without the newline it adds, otherwise exactly (it is untrusted text;
// escaping is the printer's job).
func (wk *ownerWorker) readComm(dir int) (string, error) {
	fd, err := unix.Openat(dir, "comm", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	n := 0
	for n < len(wk.comm) {
		m, err := unix.Read(fd, wk.comm[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", err
		}
		if m == 0 {
			break
		}
		n += m
	}
	b := wk.comm[:n]
	if len(b) > 0 && b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
	}
	return string(b), nil
}
