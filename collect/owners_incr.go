package collect

import (
	"errors"
	"fmt"

	"github.com/conntab/conntab/model"
)

// The incremental owner walk (owners_incr_linux.go) keeps, between the
// snapshots of one Collector, what the last walk found of each process, so
// that a snapshot re-reads only the descriptor tables that may have
// changed. These are its pure pieces: what it keeps, the parser of
// /proc/PID/stat, and the set arithmetic on sorted inodes and owners.

// fullWalkEvery is how often, in snapshots, a tracking Collector walks
// every process again whatever the counts say. Between full walks, a
// process that swaps one descriptor for another of the same count, where
// neither is a socket that is new to the dump, goes unseen: it may still
// be named as an owner of a socket it closed while another process holds
// it, or not yet as an owner of one it was handed (SCM_RIGHTS) that
// another already holds. That lasts at most this many snapshots: a
// minute of the dashboard at its default interval. A full walk of the
// benchmark namespace's 92,000 descriptors costs over 400 ms of CPU;
// every tenth second it was a seventh of the dashboard's budget.
const fullWalkEvery = 60

// ownerTracker is the state of the incremental walk. The zero value walks
// everything at its first snapshot.
type ownerTracker struct {
	// procs holds every process the last snapshot could read or kept,
	// with descriptors or without, by pid; nil before the first full walk.
	procs map[int32]procEntry
	// owners is the last snapshot's owners, sorted by compareOwners, and
	// shared with its model.Owners: never written after it is built.
	owners []model.Owner
	hidden hiddenProcs
	// dump is the last snapshot's socket inodes, sorted, without 0; spare
	// holds buffers for the next, which are as large.
	dump  []uint64
	spare [][]uint64
	// snapshots counts snapshots since the tracker was made.
	snapshots int
	// off: the kernel does not count descriptors (Linux before 6.2
	// reports st_size 0 for /proc/PID/fd), so every snapshot walks all.
	off bool
	// every overrides fullWalkEvery; tests lower it.
	every int
	// identify, if set, replaces the fstatat of /proc/PID/fd that tells
	// a process's descriptor count and owner (identifyFD). Tests of
	// fixture trees, whose directories have no such count, set it.
	identify func(dir int, name string) (procIdent, error)
	// last says what the last snapshot did.
	last trackStats

	// Scratch of one snapshot.
	prevOwners []model.Owner
	prevDump   []uint64
	err        error
}

// trackStats is what one snapshot's walk did, for tests and benchmarks.
type trackStats struct {
	Full   bool // every process was walked
	Reused int  // processes whose owners were kept without reading their descriptors
	Reread int  // processes whose descriptors were read (new, changed, hidden, without any)
	// Level says how far the check against the dump went: 0, no socket
	// new to the dump lacked an owner; 2, one did and a second cheap pass
	// explained it; 3, every process was read again.
	Level int
}

// procIdent is what a process shows, without its descriptors being read,
// that changes when they may have: its start time tells a reused pid, and
// /proc/PID/fd's size (the number of open descriptors, Linux 6.2 and
// later) and owner (the credentials the kernel checks to let them be read)
// change with the table.
type procIdent struct {
	start    uint64 // /proc/PID/stat field 22, clock ticks after boot
	fds      int64
	uid, gid uint32
}

// procEntry is what the tracker keeps of a process.
type procEntry struct {
	procIdent
	comm string
}

// procSeen is a process a tracking walk read, and what identified it.
type procSeen struct {
	pid   int32
	ident procIdent
	comm  string
}

// statBuffer holds /proc/PID/stat up to its 22nd field whatever the
// process is called: a name of at most 64 bytes, 21 numbers of at most
// 20 digits. The line goes on; the parser does not need the rest.
const statBuffer = 1024

// errStat: a /proc/PID/stat line that does not read as the kernel writes
// it.
var errStat = errors.New("malformed /proc/PID/stat")

// procStat is what the tracker reads of /proc/PID/stat.
type procStat struct {
	pid   int32
	comm  []byte // shares the parsed buffer
	start uint64 // field 22, starttime
}

// statStartField is the index of starttime (field 22) among the fields
// after the name (field 3, the state, is 0).
const statStartField = 22 - 3

// parseStat reads the fields the tracker needs of a /proc/PID/stat line,
// "PID (NAME) S PPID ... STARTTIME ...". NAME is whatever the process
// called itself (parentheses, spaces and newlines included), so it runs
// to the last ')': every field after it is a number or a state letter.
// starttime must be followed by a space or a newline, lest a line cut
// short by the buffer read as a smaller number.
func parseStat(b []byte) (procStat, error) {
	bad := func(why string) (procStat, error) {
		q := b
		if len(q) > 160 {
			q = q[:160]
		}
		return procStat{}, fmt.Errorf("%w: %s: %q", errStat, why, q)
	}
	var st procStat
	sp := 0
	for sp < len(b) && b[sp] != ' ' {
		sp++
	}
	pid, ok := decimal32(b[:sp])
	if !ok {
		return bad("no pid")
	}
	st.pid = pid
	if sp+1 >= len(b) || b[sp+1] != '(' {
		return bad("no name")
	}
	end := len(b) - 1
	for end > sp+1 && b[end] != ')' {
		end--
	}
	if end == sp+1 {
		return bad("no end to the name")
	}
	st.comm = b[sp+2 : end : end]
	rest := b[end+1:]
	for field := 0; ; field++ {
		if len(rest) == 0 || rest[0] != ' ' {
			return bad(fmt.Sprintf("field %d missing", field+3))
		}
		rest = rest[1:]
		n := 0
		for n < len(rest) && rest[n] != ' ' && rest[n] != '\n' {
			n++
		}
		if n == 0 || n == len(rest) && field == statStartField {
			return bad(fmt.Sprintf("field %d empty or cut short", field+3))
		}
		if field == statStartField {
			start, ok := decimal64(rest[:n])
			if !ok {
				return bad("starttime not a number")
			}
			st.start = start
			return st, nil
		}
		rest = rest[n:]
	}
}

// decimal64 reads an unsigned decimal that fits in a uint64.
func decimal64(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// dumpInodes returns the socket inodes of sockets, sorted, each once,
// without 0 (TIME_WAIT, request and orphaned sockets have no file). It
// fills a and uses tmp as scratch, growing either as needed, and returns
// the other as spare, for the next call.
func dumpInodes(sockets []model.Socket, a, tmp []uint64) (inodes, spare []uint64) {
	if cap(a) < len(sockets) {
		a = make([]uint64, 0, len(sockets))
	}
	a = a[:0]
	for i := range sockets {
		if ino := sockets[i].Inode; ino != 0 {
			a = append(a, ino)
		}
	}
	if cap(tmp) < len(a) {
		tmp = make([]uint64, len(a))
	}
	a, tmp = sortInodes(a, tmp[:len(a)])
	out := a[:0]
	for i, v := range a {
		if i == 0 || v != a[i-1] {
			out = append(out, v)
		}
	}
	return out, tmp[:0]
}

// sortInodes is model.SortInodes: a comparison sort of the 130,000 inodes
// of a large dump costs 10 ms on the benchmark VM; the radix sort, one.
func sortInodes(a, tmp []uint64) (sorted, scratch []uint64) { return model.SortInodes(a, tmp) }

// newUnowned returns the inodes of dump (sorted) that no owner in cur
// explains and that are new since the last snapshot: in neither its dump
// nor its owners (all sorted). Only such a socket says that a descriptor
// table changed unseen. One that the last snapshot knew and cur no longer
// explains was closed after the dump read it, or handed to a process that
// is re-read anyway unless it closed another descriptor at the same time
// (see fullWalkEvery); one that has never had an owner belongs to a hidden
// process, or to none in this PID namespace.
func newUnowned(dump []uint64, cur, prevOwners []model.Owner, prevDump []uint64) []uint64 {
	var out []uint64
	i, j, k := 0, 0, 0
	for _, ino := range dump {
		for i < len(cur) && cur[i].Inode < ino {
			i++
		}
		if i < len(cur) && cur[i].Inode == ino {
			continue
		}
		for j < len(prevOwners) && prevOwners[j].Inode < ino {
			j++
		}
		if j < len(prevOwners) && prevOwners[j].Inode == ino {
			continue
		}
		for k < len(prevDump) && prevDump[k] < ino {
			k++
		}
		if k < len(prevDump) && prevDump[k] == ino {
			continue
		}
		out = append(out, ino)
	}
	return out
}

// keptOwners appends to out the owners of the processes in kept, named as
// kept names them now, in their order. Processes make their sockets in
// runs, so neighbours by inode mostly share a pid: each run is looked up
// once and copied whole.
func keptOwners(owners []model.Owner, kept map[int32]procEntry, out []model.Owner) []model.Owner {
	for i := 0; i < len(owners); {
		j := pidRun(owners, i)
		if e, ok := kept[owners[i].PID]; ok {
			start := len(out)
			out = append(out, owners[i:j]...)
			for k := start; k < len(out); k++ {
				if out[k].Comm != e.comm {
					out[k].Comm = e.comm
				}
			}
		}
		i = j
	}
	return out
}

// keptAsIs reports whether the owners of the processes kept, named as
// kept names them now, and those of the processes read again (scanned,
// sorted) are together owners as they are. A dashboard's sample mostly
// re-reads only processes whose sockets did not change (a descriptor
// count that moved for a pipe or a file), and its owners, a million on a
// large host, are then the last sample's own slice, not a copy.
func keptAsIs(owners []model.Owner, kept map[int32]procEntry, scanned []model.Owner) bool {
	k := 0
	for i := 0; i < len(owners); {
		j := pidRun(owners, i)
		e, ok := kept[owners[i].PID]
		for ; i < j; i++ {
			switch {
			case ok && owners[i].Comm == e.comm:
			case !ok && k < len(scanned) && owners[i] == scanned[k]:
				k++
			default:
				return false
			}
		}
	}
	return k == len(scanned)
}

// pidRun is the end of the run of owners from i on that share its pid.
func pidRun(owners []model.Owner, i int) int {
	j := i + 1
	for j < len(owners) && owners[j].PID == owners[i].PID {
		j++
	}
	return j
}
