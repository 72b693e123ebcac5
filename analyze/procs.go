package analyze

import (
	"cmp"
	"runtime"
	"slices"
	"sync"

	"github.com/conntab/conntab/model"
)

// ProcessSockets counts the sockets one process holds, by state.
type ProcessSockets struct {
	PID int32
	// Comm is the process's name as the kernel keeps it: untrusted text
	// (see escape.AppendSafe). A pid that changed its name between the walks
	// that saw it has a row per name.
	Comm   string
	States model.StateCounts
	Total  int
	// Former counts, by state, the sockets without a file (TIME_WAIT,
	// orphaned) whose connection this process held when it last had one
	// (Snapshot.Former); they are not in States or Total.
	Former      model.StateCounts
	FormerTotal int
}

// ProcessCounts are a snapshot's sockets counted by the processes that
// hold them. A socket several processes hold (shared after fork) counts
// once for each of them, so the rows' totals may add up to more than the
// snapshot's sockets; a process holding one socket through several
// descriptors counts it once.
type ProcessCounts struct {
	// Procs are the processes, by pid, then name.
	Procs []ProcessSockets
	// Unknown counts the sockets no process is known to hold: sockets of
	// processes the walk of /proc could not see (Hidden), request sockets
	// (NEW_SYN_RECV), TIME_WAIT and orphaned sockets with no remembered
	// owner, and every socket with a file when the snapshot has no
	// Owners. Its PID is 0, its Comm "" and its Former counts 0.
	Unknown ProcessSockets
	// Hidden is Owners.Hidden: processes whose descriptors could not be
	// read.
	Hidden int
}

// CountProcesses counts snap's sockets by the processes that hold them
// (Snapshot.OwnersOf). A large snapshot is shared out between goroutines,
// up to GOMAXPROCS of them: most of the time goes to looking up the
// remembered owners of TIME_WAIT sockets (Snapshot.Former), each lookup a
// wait on memory.
func CountProcesses(snap *model.Snapshot) *ProcessCounts {
	return countProcesses(snap, max(1, min(runtime.GOMAXPROCS(0), len(snap.Sockets)/procChunk)))
}

// procChunk is the fewest sockets worth a goroutine of their own.
const procChunk = 16384

// countProcesses is CountProcesses with the sockets shared out between
// workers goroutines.
func countProcesses(snap *model.Snapshot, workers int) *ProcessCounts {
	pc := &ProcessCounts{}
	if snap.Owners != nil {
		pc.Hidden = snap.Owners.Hidden
	}
	n := len(snap.Sockets)
	parts := make([]procPart, workers)
	var wg sync.WaitGroup
	for w := range parts {
		lo, hi := n*w/workers, n*(w+1)/workers
		if w == workers-1 {
			parts[w].count(snap, snap.Sockets[lo:hi])
			break
		}
		wg.Go(func() { parts[w].count(snap, snap.Sockets[lo:hi]) })
	}
	wg.Wait()

	// The parts' rows, one per process.
	pc.Unknown = parts[0].unknown
	pc.Procs = parts[0].rows.rows
	for w := 1; w < len(parts); w++ {
		p := &parts[w]
		addCounts(&pc.Unknown, &p.unknown)
		into := &parts[0].rows
		for i := range p.rows.rows {
			r := &p.rows.rows[i]
			j := into.find(r.PID, r.Comm) // may grow into.rows
			addCounts(&into.rows[j], r)
		}
		pc.Procs = into.rows
	}
	slices.SortFunc(pc.Procs, func(a, b ProcessSockets) int {
		if c := cmp.Compare(a.PID, b.PID); c != 0 {
			return c
		}
		return cmp.Compare(a.Comm, b.Comm)
	})
	return pc
}

func addCounts(to, from *ProcessSockets) {
	for i := range to.States {
		to.States[i] += from.States[i]
		to.Former[i] += from.Former[i]
	}
	to.Total += from.Total
	to.FormerTotal += from.FormerTotal
}

// procPart counts a share of a snapshot's sockets.
type procPart struct {
	rows    procRows
	unknown ProcessSockets
}

func (pp *procPart) count(snap *model.Snapshot, sockets []model.Socket) {
	var owners []model.Owner
	if snap.Owners != nil {
		owners = snap.Owners.ByInode()
	}
	rows := &pp.rows
	rows.byPID = map[int32]int32{}
	unknown := func(s model.State) {
		pp.unknown.States.Add(s)
		pp.unknown.Total++
	}

	// Sockets with an inode: a merge of the sockets, sorted by inode, with
	// the owners, already sorted so. A binary search per socket into
	// 130,000 owners missed the cache at every step.
	keys := make([]uint64, 0, len(sockets))
	for i := range sockets {
		s := &sockets[i]
		switch {
		case s.Inode == 0:
			formers := snap.Former[s.Key()]
			if len(formers) == 0 {
				unknown(s.State)
				continue
			}
			rows.count(formers, model.StateSlot(s.State))
		case s.Inode < 1<<60 && len(owners) > 0:
			keys = append(keys, s.Inode<<4|uint64(model.StateSlot(s.State)))
		default:
			// No owners, or an inode too large to pack (none is: the
			// kernel's inode numbers are 32 bits).
			if o := snap.Owners.Of(s.Inode); len(o) > 0 {
				rows.count(o, model.StateSlot(s.State))
				continue
			}
			unknown(s.State)
		}
	}
	radixSort(keys)
	j := 0
	for _, k := range keys {
		inode, slot := k>>4, int(k&15)
		for j < len(owners) && owners[j].Inode < inode {
			j++
		}
		e := j
		for e < len(owners) && owners[e].Inode == inode {
			e++
		}
		if e == j {
			pp.unknown.States[slot]++
			pp.unknown.Total++
			continue
		}
		rows.count(owners[j:e], slot)
	}
}

// procRows finds a process's row by pid, then name.
type procRows struct {
	rows  []ProcessSockets
	byPID map[int32]int32 // the pid's first row
	// next links rows of one pid with different names.
	next []int32
	last int32 // the row found last, plus one: owners repeat in runs
}

// count counts one socket, in state slot, once for each process among
// its owners.
func (r *procRows) count(owners []model.Owner, slot int) {
	if len(owners) == 1 {
		r.countOne(&owners[0], slot)
		return
	}
	// Owners keeps a socket's owners by pid, and Former copies them, so
	// a process's descriptors for one socket are neighbours; a list in
	// another order is searched whole.
	sorted := slices.IsSortedFunc(owners, func(a, b model.Owner) int { return cmp.Compare(a.PID, b.PID) })
	for i := range owners {
		o := &owners[i]
		if !seen(owners, i, sorted) {
			r.countOne(o, slot)
		}
	}
}

// seen reports whether the process of owners[i] is among owners[:i].
func seen(owners []model.Owner, i int, sorted bool) bool {
	o := &owners[i]
	for j := i - 1; j >= 0; j-- {
		p := &owners[j]
		if p.PID == o.PID && p.Comm == o.Comm {
			return true
		}
		if sorted && p.PID != o.PID {
			return false
		}
	}
	return false
}

func (r *procRows) countOne(o *model.Owner, slot int) {
	i := r.find(o.PID, o.Comm) // may grow r.rows
	row := &r.rows[i]
	if o.Former {
		row.Former[slot]++
		row.FormerTotal++
	} else {
		row.States[slot]++
		row.Total++
	}
}

func (r *procRows) find(pid int32, comm string) int32 {
	if r.last > 0 {
		if row := &r.rows[r.last-1]; row.PID == pid && row.Comm == comm {
			return r.last - 1
		}
	}
	i, ok := r.byPID[pid]
	if ok {
		for {
			if r.rows[i].Comm == comm {
				r.last = i + 1
				return i
			}
			if r.next[i] < 0 {
				break
			}
			i = r.next[i]
		}
	}
	n := int32(len(r.rows))
	r.rows = append(r.rows, ProcessSockets{PID: pid, Comm: comm})
	r.next = append(r.next, -1)
	if ok {
		r.next[i] = n
	} else {
		r.byPID[pid] = n
	}
	r.last = n + 1
	return n
}

// radixSort sorts keys in place, a byte at a time from the lowest, skipping
// the bytes every key shares.
func radixSort(keys []uint64) {
	if len(keys) < 64 {
		slices.Sort(keys)
		return
	}
	var counts [8][256]int
	for _, k := range keys {
		for b := range 8 {
			counts[b][byte(k>>(8*b))]++
		}
	}
	buf := make([]uint64, len(keys))
	src, dst := keys, buf
	for b := range 8 {
		c := &counts[b]
		if c[byte(keys[0]>>(8*b))] == len(keys) {
			continue // every key has the same byte here
		}
		sum := 0
		for i := range c {
			c[i], sum = sum, sum+c[i]
		}
		shift := 8 * b
		for _, k := range src {
			d := byte(k >> shift)
			dst[c[d]] = k
			c[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}
