package collect

import (
	"errors"
	"maps"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// The incremental owner walk. A Collector's first snapshot, and every
// fullWalkEvery-th, walks every process's descriptors (readOwners, while
// recording what identifies each process); the others run a cheap pass
// first: for each process, one fstatat of /proc/PID/fd, whose size is the
// number of open descriptors (Linux 6.2 and later), and, when that count
// is unchanged, a read of /proc/PID/stat for its start time and name. A
// process known from the last snapshot whose start time, count and
// credentials are the same keeps its owners; the others (new ones,
// changed ones, hidden ones) are walked as readOwners walks them. One
// that had no descriptors (a kernel thread) and still has none, with the
// same credentials, costs the fstatat alone: it owns nothing, and is not
// hidden. A kernel before 6.2 gives every size as 0: the first walk
// notices, and every snapshot walks all (ownerTracker.off). Both halves
// run while the kernel dumps the sockets.
//
// The counts miss a process that closes one descriptor and opens another
// between two snapshots. When the new one is a socket in the dump, it has
// no owner once the cheap pass is done: then (finish) the cheap pass runs
// again, for descriptors opened while the dump was read, and if that does
// not explain it, every process is walked again. What no socket in the
// dump shows is left for the next full walk (fullWalkEvery).

// begin is the half of a snapshot that runs beside the dump: a full walk
// the first time and every t.every snapshots, otherwise the cheap pass.
// An error means nothing could be read (procRoot could not be opened or
// listed) and the tracker starts again; a process that could not be read
// is in t.err for finish to return.
func (t *ownerTracker) begin(procRoot string) error {
	t.prevOwners, t.prevDump, t.err, t.last = t.owners, t.dump, nil, trackStats{}
	every := t.every
	if every <= 0 {
		every = fullWalkEvery
	}
	full := t.procs == nil || t.off || t.snapshots%every == 0
	t.snapshots++
	root, err := openProcRoot(procRoot)
	if err != nil {
		t.reset()
		return err
	}
	defer unix.Close(root)
	if err := t.pass(procRoot, root, full); err != nil {
		t.reset()
		return err
	}
	return nil
}

// finish is the half of a snapshot that needs the dump: it checks that
// every socket new to it has an owner (re-reading as the comment above
// says when one has not) and returns the snapshot's owners.
func (t *ownerTracker) finish(procRoot string, sockets []model.Socket) (*model.Owners, error) {
	if t.off {
		return t.hidden.owners(t.owners), t.err
	}
	t.dump, t.spare = t.dumpInodes(sockets)
	if !t.last.Full {
		if fresh := newUnowned(t.dump, t.owners, t.prevOwners, t.prevDump); len(fresh) > 0 {
			if err := t.recheck(procRoot, fresh); err != nil {
				t.err = errors.Join(t.err, err)
			}
		}
	}
	if t.prevDump != nil {
		t.spare = append(t.spare, t.prevDump[:0])
	}
	t.prevOwners, t.prevDump = nil, nil
	return t.hidden.owners(t.owners), t.err
}

// dumpInodes is dumpInodes with the tracker's spare buffers: a large dump
// holds 130,000 inodes, a megabyte at every snapshot otherwise.
func (t *ownerTracker) dumpInodes(sockets []model.Socket) ([]uint64, [][]uint64) {
	var a, tmp []uint64
	if n := len(t.spare); n > 0 {
		a, t.spare = t.spare[n-1], t.spare[:n-1]
	}
	if n := len(t.spare); n > 0 {
		tmp, t.spare = t.spare[n-1], t.spare[:n-1]
	}
	inodes, spare := dumpInodes(sockets, a, tmp)
	return inodes, append(t.spare[:0], spare)
}

// recheck explains the sockets in fresh, which the cheap pass left
// without an owner: by a second cheap pass, then by walking every process.
func (t *ownerTracker) recheck(procRoot string, fresh []uint64) error {
	root, err := openProcRoot(procRoot)
	if err != nil {
		return err
	}
	defer unix.Close(root)
	t.last.Level = 2
	kept, err := t.cheapPass(procRoot, root)
	if err != nil {
		return err
	}
	if len(newUnowned(fresh, t.owners, nil, nil)) == 0 {
		return nil
	}
	t.last.Level = 3
	pids := make([]procPID, 0, len(kept))
	for pid := range kept {
		pids = append(pids, procPID{pid, strconv.Itoa(int(pid))})
	}
	scan := walkOwners(procRoot, root, pids, t.identifyFD, newOwnerWorker())
	t.last.Reused -= len(pids)
	t.last.Reread += len(pids)
	t.update(keepAllBut(t.procs, kept), scan)
	t.hidden.merge(scan.hidden)
	return nil
}

// keepAllBut is procs without the pids in drop.
func keepAllBut(procs, drop map[int32]procEntry) map[int32]procEntry {
	out := make(map[int32]procEntry, len(procs))
	for pid, e := range procs {
		if _, ok := drop[pid]; !ok {
			out[pid] = e
		}
	}
	return out
}

// pass brings the tracker up to date with the processes under root: all
// of them walked when full, otherwise the cheap pass.
func (t *ownerTracker) pass(procRoot string, root int, full bool) error {
	if !full {
		_, err := t.cheapPass(procRoot, root)
		return err
	}
	first := newOwnerWorker()
	pids, err := listPIDs(root, first.dents)
	if err != nil {
		return listError(procRoot, err)
	}
	var identify func(int, string) (procIdent, error)
	if !t.off {
		identify = t.identifyFD
	}
	scan := walkOwners(procRoot, root, pids, identify, first)
	t.procs, t.owners, t.hidden = nil, nil, hiddenProcs{}
	t.update(nil, scan)
	t.hidden = scan.hidden
	t.last = trackStats{Full: true, Reread: len(pids)}
	if t.off {
		return nil
	}
	// A kernel that counts descriptors gives some process a size; one
	// that does not gives 0 to all.
	counts := false
	for _, p := range scan.procs {
		counts = counts || p.ident.fds > 0
	}
	if len(scan.procs) > 0 && !counts {
		t.off = true
	}
	return nil
}

// cheapPass lists the processes, keeps those that are known and whose
// identity is unchanged, and walks the rest. It returns the ones kept.
func (t *ownerTracker) cheapPass(procRoot string, root int) (map[int32]procEntry, error) {
	first := newOwnerWorker()
	pids, err := listPIDs(root, first.dents)
	if err != nil {
		return nil, listError(procRoot, err)
	}
	kept := make(map[int32]procEntry, len(t.procs))
	var reread []procPID
	var empty []procSeen
	for _, p := range pids {
		e, ok := t.procs[p.pid]
		switch {
		case ok && e.fds == 0 && t.stillEmpty(root, p, e):
			empty = append(empty, procSeen{pid: p.pid, ident: e.procIdent})
		case ok && e.fds > 0 && t.unchanged(root, p, &e, first.stat):
			kept[p.pid] = e
		default:
			reread = append(reread, p)
		}
	}
	scan := walkOwners(procRoot, root, reread, t.identifyFD, first)
	scan.procs = append(scan.procs, empty...)
	t.update(kept, scan)
	t.hidden = scan.hidden
	t.last.Reused, t.last.Reread = len(kept)+len(empty), len(reread)
	return kept, nil
}

// stillEmpty reports whether process p, which had no descriptors and could
// be read, still has none, and the same credentials: it still owns nothing
// and is not hidden. Only a kernel that counts descriptors (t.off unset)
// gets here, so a size of 0 means none are open (or the process has no
// table: a kernel thread, a zombie), not that the size is unknown.
func (t *ownerTracker) stillEmpty(root int, p procPID, e procEntry) bool {
	id, err := t.identifyFD(root, p.name+"/fd")
	return err == nil && id.fds == 0 && id.uid == e.uid && id.gid == e.gid
}

// unchanged reports whether process p is still what e says, without
// reading its descriptors; it updates e's name, which a process may change
// without a new descriptor (it is read from the same line as the start
// time, so it costs nothing more).
func (t *ownerTracker) unchanged(root int, p procPID, e *procEntry, buf []byte) bool {
	// The count before the start time: a pid reused in between shows its
	// new start time, whereas a start time read first could be the old
	// process's and the count the newcomer's.
	id, err := t.identifyFD(root, p.name+"/fd")
	if err != nil || id.fds != e.fds || id.uid != e.uid || id.gid != e.gid {
		return false
	}
	st, err := readStat(root, p.name+"/stat", buf)
	if err != nil || st.pid != p.pid || st.start != e.start {
		return false
	}
	if string(st.comm) != e.comm {
		e.comm = string(st.comm)
	}
	return true
}

// identifyFD is the size and owner of the fd directory name under dir:
// the number of descriptors open (Linux 6.2 and later; 0 before), and the
// process's credentials (root's when it is not dumpable).
func (t *ownerTracker) identifyFD(dir int, name string) (procIdent, error) {
	if t.identify != nil {
		return t.identify(dir, name)
	}
	var st unix.Stat_t
	if err := unix.Fstatat(dir, name, &st, 0); err != nil {
		return procIdent{}, err
	}
	return procIdent{fds: st.Size, uid: st.Uid, gid: st.Gid}, nil
}

// update makes the tracker's processes those of kept and those scan
// walked, and its owners theirs: a process in neither (gone, hidden, or
// without descriptors) has none.
func (t *ownerTracker) update(kept map[int32]procEntry, scan ownerScan) {
	procs := make(map[int32]procEntry, len(kept)+len(scan.procs))
	maps.Copy(procs, kept)
	for _, p := range scan.procs {
		procs[p.pid] = procEntry{p.ident, p.comm}
	}
	owners := t.owners // shared with the last snapshot, never written
	if !keptAsIs(t.owners, kept, scan.owners) {
		owners = keptOwners(t.owners, kept, make([]model.Owner, 0, len(t.owners)+len(scan.owners)))
		owners = mergeOwnersInto(owners, scan.owners)
	}
	t.procs, t.owners = procs, owners
	if scan.err != nil && t.err == nil {
		t.err = scan.err
	}
}

// reset forgets everything: the next snapshot walks every process.
func (t *ownerTracker) reset() {
	*t = ownerTracker{every: t.every, identify: t.identify, off: t.off}
}

// readStat reads and parses name (a /proc/PID/stat) under dir into buf.
func readStat(dir int, name string, buf []byte) (procStat, error) {
	fd, err := unix.Openat(dir, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return procStat{}, err
	}
	defer unix.Close(fd)
	n := 0
	for n < len(buf) {
		m, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return procStat{}, err
		}
		if m == 0 {
			break
		}
		n += m
	}
	return parseStat(buf[:n])
}
