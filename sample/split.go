package sample

import "github.com/conntab/conntab/model"

// split takes a snapshot of several namespaces (model.Snapshot.Namespaces,
// -N all) apart into one snapshot per namespace, in the order of
// Namespaces: each holds that namespace's sockets, its own Host (port
// range, reserved ports, settings, counters) and NetNS, and Namespaces
// holding it alone, so that NamespaceOf still names it. The owners and
// the reading's times are shared, as they were read once for all. A
// snapshot of one namespace is returned as it is.
func split(snap *model.Snapshot) []*model.Snapshot {
	if len(snap.Namespaces) == 0 {
		return []*model.Snapshot{snap}
	}
	at := make(map[uint32]int, len(snap.Namespaces))
	counts := make([]int, len(snap.Namespaces))
	for i := range snap.Namespaces {
		at[snap.Namespaces[i].Inode] = i
	}
	for i := range snap.Sockets {
		if j, ok := at[snap.Sockets[i].NetNS]; ok {
			counts[j]++
		}
	}
	out := make([]*model.Snapshot, len(snap.Namespaces))
	for i := range snap.Namespaces {
		part := *snap
		part.Namespaces = snap.Namespaces[i : i+1 : i+1]
		part.NetNS, part.Host = snap.Namespaces[i].Inode, snap.Namespaces[i].Host
		part.Sockets = make([]model.Socket, 0, counts[i])
		out[i] = &part
	}
	for i := range snap.Sockets {
		if j, ok := at[snap.Sockets[i].NetNS]; ok {
			out[j].Sockets = append(out[j].Sockets, snap.Sockets[i])
		}
	}
	return out
}

// Namespace is what names the Net's namespace when the sample read
// several (Config.PerNamespace): its container, `ip netns` name and
// inode; nil for a sample of one namespace.
func (n *Net) Namespace() *model.Namespace {
	if n == nil || n.Snap == nil {
		return nil
	}
	return n.Snap.NamespaceOf(n.Snap.NetNS)
}
