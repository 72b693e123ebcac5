package collect

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

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
	return scan.hidden.owners(scan.owners), scan.err
}

func openProcRoot(procRoot string) (int, error) {
	root, err := unix.Open(procRoot, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("finding the processes that hold sockets: %w", &os.PathError{Op: "open", Path: procRoot, Err: err})
	}
	return root, nil
}

func listError(procRoot string, err error) error {
	return fmt.Errorf("finding the processes that hold sockets: %w", &os.PathError{Op: "getdents", Path: procRoot, Err: err})
}

// ownerScan is what one walk found.
type ownerScan struct {
	owners []model.Owner // sorted by compareOwners
	hidden hiddenProcs
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
		scan.hidden.merge(wk.hidden)
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
		wk.hidden.add(p.pid, func() error {
			return &os.PathError{Op: "read", Path: filepath.Join(w.procRoot, p.name, file), Err: err}
		})
	case outcomeFail:
		if wk.err == nil {
			wk.err = fmt.Errorf("finding the processes that hold sockets: %w", &os.PathError{Op: "read", Path: filepath.Join(w.procRoot, p.name, file), Err: err})
		}
	}
	return true
}
