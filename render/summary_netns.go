package render

import (
	"bufio"
	"fmt"
	"strconv"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render/escape"
)

// NamespaceCountsJSON is a namespace's line of a summary of several
// (-N all -s): its sockets by protocol and family, the established and
// TIME_WAIT among them, and what names it.
type NamespaceCountsJSON struct {
	NetNS     uint32         `json:"netns"`
	Name      string         `json:"name"`
	Container *ContainerJSON `json:"container,omitempty"`
	CountsJSON
	Estab    int `json:"estab"`
	TimeWait int `json:"timewait"`
}

// namespaceCounts counts snap's sockets per namespace, in the order of
// snap.Namespaces (by inode); nil when snap read one namespace.
func namespaceCounts(snap *model.Snapshot) []NamespaceCountsJSON {
	if len(snap.Namespaces) == 0 {
		return nil
	}
	out := make([]NamespaceCountsJSON, len(snap.Namespaces))
	at := make(map[uint32]int, len(out))
	for i := range snap.Namespaces {
		ns := &snap.Namespaces[i]
		out[i] = NamespaceCountsJSON{NetNS: ns.Inode, Name: ns.Name}
		if c := ns.Container; c != nil {
			out[i].Container = &ContainerJSON{Runtime: c.Runtime, ID: c.ID, Name: c.Name, Pod: c.Pod, Namespace: c.Namespace}
		}
		at[ns.Inode] = i
	}
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		j, ok := at[s.NetNS]
		if !ok {
			continue
		}
		n := &out[j]
		switch {
		case s.Proto == model.ProtoTCP && s.Family == model.FamilyInet:
			n.TCP++
		case s.Proto == model.ProtoTCP:
			n.TCP6++
		case s.Family == model.FamilyInet:
			n.UDP++
		default:
			n.UDP6++
		}
		n.Total++
		switch s.State {
		case model.StateEstablished:
			n.Estab++
		case model.StateTimeWait:
			n.TimeWait++
		}
	}
	return out
}

// writeNamespaceCounts writes the per-namespace table of a summary of
// several namespaces: one row each, named as the Namespace column names
// it (escaped: the runtimes' names are anyone's text).
func writeNamespaceCounts(w *bufio.Writer, snap *model.Snapshot) {
	counts := namespaceCounts(snap)
	if counts == nil {
		return
	}
	fmt.Fprintf(w, "\nBy network namespace (%d):\n", len(counts))
	width := len("Namespace")
	labels := make([]string, len(counts))
	for i := range counts {
		labels[i] = snap.Namespaces[i].Label()
		if labels[i] == "" {
			labels[i] = strconv.FormatUint(uint64(counts[i].NetNS), 10)
		}
		labels[i] = string(escape.AppendSafe(nil, labels[i]))
		width = max(width, len(labels[i]))
	}
	fmt.Fprintf(w, "%-*s %10s %8s %8s %8s %8s %8s %8s\n", width, "Namespace", "inode", "tcp", "tcp6", "udp", "udp6", "estab", "timewait")
	for i, c := range counts {
		fmt.Fprintf(w, "%-*s %10d %8d %8d %8d %8d %8d %8d\n", width, labels[i], c.NetNS, c.TCP, c.TCP6, c.UDP, c.UDP6, c.Estab, c.TimeWait)
	}
}
