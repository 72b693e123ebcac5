package tui

import (
	"slices"
	"sync"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/sample"
)

// groupOrder is the order of the Sockets view's state groups: a
// connection's life from top to bottom, UDP and bound-only sockets last.
var groupOrder = []model.State{
	model.StateListen, model.StateEstablished, model.StateSynSent, model.StateSynRecv,
	model.StateNewSynRecv, model.StateFinWait1, model.StateFinWait2, model.StateClosing,
	model.StateTimeWait, model.StateCloseWait, model.StateLastAck, model.StateClose,
	model.StateUnconn, model.StateBoundInactive,
}

// groups is len(groupOrder).
const groups = 14

// groupRank is a state's place in groupOrder.
var groupRank = func() [64]int8 {
	var r [64]int8
	for i := range r {
		r[i] = -1
	}
	for i, s := range groupOrder {
		r[s] = int8(i)
	}
	return r
}()

// sockRows are the Sockets view's rows: the Diff's sockets that the
// filter and the state toggles let through, grouped by state and sorted
// within each group.
type sockRows struct {
	sort   sortSpec // the sort they were built with
	rows   []int32  // Diff indices
	groups []sockGroup
}

type sockGroup struct {
	state model.State
	// sorted says rows[lo:hi] are in order; a folded group is sorted only
	// when it is unfolded, since sorting 90,000 rows nobody sees is most
	// of a sample's cost.
	sorted         bool
	lo, hi         int // rows[lo:hi]
	fresh, changed int // marked new or changed, as of the sample
	closed         int // ghosts
}

// buildSockRows selects the Diff's sockets that the filter and the state
// toggles let through and groups them by state, to be sorted with sort.
func buildSockRows(c *common, sort sortSpec) sockRows {
	t, m, hidden := c.net.Diff, c.matcher, c.hidden
	n := t.Len()
	var count [groups + 1]int
	rank := make([]int8, n)
	for i := range n {
		s := t.Socket(int32(i))
		r := groupRank[s.State&63]
		if r < 0 || hidden.Has(s.State) || (m != nil && !m.Match(s)) {
			rank[i] = -1
			continue
		}
		rank[i] = r
		count[r+1]++
	}
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	r := sockRows{sort: sort}
	r.rows = make([]int32, count[len(count)-1])
	next := count
	for i, k := range rank {
		if k >= 0 {
			r.rows[next[k]] = int32(i)
			next[k]++
		}
	}
	for g, s := range groupOrder {
		lo, hi := count[g], count[g+1]
		if lo == hi {
			continue
		}
		grp := sockGroup{state: s, lo: lo, hi: hi}
		for _, i := range r.rows[lo:hi] {
			switch mk := t.Mark(i); {
			case t.Ghost(i) != nil:
				grp.closed++
			case c.recentAt(mk.First):
				grp.fresh++
			case c.recentAt(mk.Changed):
				grp.changed++
			}
		}
		r.groups = append(r.groups, grp)
	}
	return r
}

// sortVisible sorts the groups that are not folded and not yet sorted.
// Large groups are sorted on their own goroutines: the groups are
// disjoint parts of rows, and sorting only reads the sockets, so two big
// groups (ESTABLISHED and TIME_WAIT) take the time of the larger, not of
// both, from a key press to the frame.
func (r *sockRows) sortVisible(t *sample.Diff, cols []sockCol, l *render.Labeler, folded func(model.State) bool) {
	var wg sync.WaitGroup
	for gi := range r.groups {
		g := &r.groups[gi]
		if g.sorted || folded(g.state) {
			continue
		}
		g.sorted = true
		part := r.rows[g.lo:g.hi]
		if len(part) < 4096 {
			sortSockets(part, t, cols, r.sort, l)
			continue
		}
		wg.Go(func() { sortSockets(part, t, cols, r.sort, l) })
	}
	wg.Wait()
}

// sortSockets sorts rows by the column sort names, ties broken by peer
// and then local endpoint, so the order is stable from sample to sample.
func sortSockets(rows []int32, t *sample.Diff, cols []sockCol, sort sortSpec, l *render.Labeler) {
	var by func(a, b *model.Socket, l *render.Labeler) int
	if sort.col >= 0 && sort.col < len(cols) {
		by = cols[sort.col].cmp
	}
	cmpRows := func(i, j int32) int {
		a, b := t.Socket(i), t.Socket(j)
		c := 0
		if by != nil {
			c = by(a, b, l)
			if sort.desc {
				c = -c
			}
		}
		if c == 0 {
			if c = a.Remote.Compare(b.Remote); c == 0 {
				c = a.Local.Compare(b.Local)
			}
		}
		return c
	}
	parallelSort(rows, cmpRows)
}

// parallelSort sorts a large slice as two halves on two goroutines, then
// merges them: a key press that re-sorts 90,000 rows waits for half. Rows
// that compare equal stay as slices.SortFunc leaves them within each
// half, those of the first half first, so the same rows in the same order
// always come out in the same order.
func parallelSort(rows []int32, cmp func(a, b int32) int) {
	if len(rows) < 16384 {
		slices.SortFunc(rows, cmp)
		return
	}
	mid := len(rows) / 2
	a, b := rows[:mid], rows[mid:]
	var wg sync.WaitGroup
	wg.Go(func() { slices.SortFunc(a, cmp) })
	slices.SortFunc(b, cmp)
	wg.Wait()
	merged := make([]int32, 0, len(rows))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if cmp(b[j], a[i]) < 0 {
			merged = append(merged, b[j])
			j++
		} else {
			merged = append(merged, a[i])
			i++
		}
	}
	merged = append(append(merged, a[i:]...), b[j:]...)
	copy(rows, merged)
}

// lines is the number of screen lines the rows take: a header per group
// and the rows of the groups not folded.
func (r *sockRows) lines(folded func(model.State) bool) int {
	n := 0
	for _, g := range r.groups {
		n++
		if !folded(g.state) {
			n += g.hi - g.lo
		}
	}
	return n
}

// at maps line pos to its group and row (row < 0: the group's header).
func (r *sockRows) at(pos int, folded func(model.State) bool) (g, row int, ok bool) {
	for gi, grp := range r.groups {
		if pos == 0 {
			return gi, -1, true
		}
		pos--
		if folded(grp.state) {
			continue
		}
		if n := grp.hi - grp.lo; pos < n {
			return gi, grp.lo + pos, true
		} else {
			pos -= n
		}
	}
	return 0, 0, false
}

// lineOf is the line of row (or of group g's header when row < 0).
func (r *sockRows) lineOf(g, row int, folded func(model.State) bool) int {
	pos := 0
	for gi, grp := range r.groups {
		if gi == g && row < 0 {
			return pos
		}
		pos++
		if folded(grp.state) {
			continue
		}
		if row >= grp.lo && row < grp.hi {
			return pos + row - grp.lo
		}
		pos += grp.hi - grp.lo
	}
	return -1
}
