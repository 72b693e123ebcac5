package render

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// namespaceName is how a report of several namespaces names one: its
// container's name (pod/container in Kubernetes), else its `ip netns`
// name, else inode; unescaped, as the runtimes wrote it. ns may be nil.
func namespaceName(ns *model.Namespace, inode uint32) string {
	if name := ns.Label(); name != "" {
		return name
	}
	return strconv.FormatUint(uint64(inode), 10)
}

// NamespaceJSON is what names a namespace in a JSON report of several:
// Name as the text names it (container, else `ip netns` name, else the
// inode), IPNetNS its `ip netns` name ("" for none), Container its
// container (null for none). The names are the runtimes' text, escaped
// as JSON strings.
type NamespaceJSON struct {
	Name      string         `json:"name"`
	IPNetNS   string         `json:"ip_netns"`
	Container *ContainerJSON `json:"container"`
}

// newNamespaceJSON is the NamespaceJSON of ns (nil: known by its inode
// alone).
func newNamespaceJSON(ns *model.Namespace, inode uint32) NamespaceJSON {
	j := NamespaceJSON{Name: namespaceName(ns, inode)}
	if ns != nil {
		j.IPNetNS = ns.Name
		if c := ns.Container; c != nil {
			j.Container = &ContainerJSON{Runtime: c.Runtime, ID: c.ID, Name: c.Name, Pod: c.Pod, Namespace: c.Namespace}
		}
	}
	return j
}

// appendNamedFindings appends fs to dst, each subject led by name ("web:
// 127.0.0.1 → 10.0.0.9:5432"); sortFindings then orders them all.
func appendNamedFindings(dst []analyze.Finding, name string, fs []analyze.Finding) []analyze.Finding {
	for _, f := range fs {
		f.Subject = name + ": " + f.Subject
		dst = append(dst, f)
	}
	return dst
}

// sortFindings orders findings of several namespaces most severe first,
// keeping each namespace's order among equals.
func sortFindings(fs []analyze.Finding) {
	slices.SortStableFunc(fs, func(a, b analyze.Finding) int { return cmp.Compare(b.Severity, a.Severity) })
}
