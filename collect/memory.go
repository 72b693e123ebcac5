package collect

import "github.com/conntab/conntab/model"

// ownerMemory remembers, across the snapshots of one session (a dashboard,
// a watch), which processes held each connection the last time its socket
// still had an inode. A TIME_WAIT socket, or an orphaned one, has no file
// and so no owner the /proc walk can find; the connection it was is the
// same 4-tuple, and its owner is remembered.
type ownerMemory map[model.TupleKey][]model.Owner

// apply fills snap.Former from memory for the sockets without an inode,
// and returns the memory for the next snapshot: this one's owners, and
// the former owners still in use.
func (m ownerMemory) apply(snap *model.Snapshot) ownerMemory {
	next := ownerMemory{}
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		key := s.Key()
		if s.Inode != 0 {
			owners := snap.Owners.Of(s.Inode)
			if len(owners) == 0 {
				continue
			}
			former := make([]model.Owner, len(owners))
			for j, o := range owners {
				o.Inode, o.Former = 0, true
				former[j] = o
			}
			next[key] = former
			continue
		}
		if former, ok := m[key]; ok {
			if snap.Former == nil {
				snap.Former = map[model.TupleKey][]model.Owner{}
			}
			snap.Former[key] = former
			next[key] = former
		}
	}
	return next
}
