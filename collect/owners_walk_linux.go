package collect

import (
	"slices"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// How readOwners shares the walk between its workers: a worker opens
// processes while there are some left, then helps with the chunks of
// descriptors of processes others have opened, so that a few processes
// holding most sockets keep both cores busy.

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
	hidden hiddenProcs
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
