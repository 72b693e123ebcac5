package model

import (
	"cmp"
	"slices"
)

// Namespace is one network namespace of several read at once (-N all, or
// -N given more than once): what names it, for the sockets that carry its
// inode (Socket.NetNS).
type Namespace struct {
	// Inode is the namespace's inode number, as /proc/PID/ns/net shows it.
	Inode uint32
	// Name is its name under /run/netns (`ip netns`), "" for none.
	Name string
	// Path is the file it was entered by: a bind mount or /proc/PID/ns/net.
	Path string
	// PIDs are the processes inside it, as far as they could be seen.
	PIDs []int32
	// Container is the container or pod that owns it, nil when none is
	// known.
	Container *Container
	// Host are its own port range and settings.
	Host HostFacts
	// Own marks the namespace the reader itself is in.
	Own bool
}

// Container is a container as its runtime names it. The names are the
// runtime's files' text: untrusted, escaped wherever they are shown.
type Container struct {
	// Runtime is "podman", "docker", "containerd" or "cri-o".
	Runtime string
	// ID is the container id (64 hex digits).
	ID string
	// Name is the container's name ("" when the runtime's files do not
	// say); for Kubernetes, the container's name in its pod.
	Name string
	// Pod and Namespace are the Kubernetes pod and namespace, "" outside
	// Kubernetes.
	Pod, Namespace string
}

// Label is how a listing names the namespace in one word: the container's
// name (pod/container for Kubernetes), else the `ip netns` name, else ""
// for the caller to show the inode.
func (ns *Namespace) Label() string {
	if ns == nil {
		return ""
	}
	if c := ns.Container; c != nil {
		switch {
		case c.Pod != "" && c.Name != "":
			return c.Pod + "/" + c.Name
		case c.Pod != "":
			return c.Pod
		case c.Name != "":
			return c.Name
		case len(c.ID) >= 12:
			return c.Runtime + ":" + c.ID[:12]
		}
	}
	return ns.Name
}

// NamespaceOf finds the namespace of inode among the snapshot's (sorted
// by inode), nil when it read one namespace only or does not know it.
func (snap *Snapshot) NamespaceOf(inode uint32) *Namespace {
	if snap == nil {
		return nil
	}
	i, ok := slices.BinarySearchFunc(snap.Namespaces, inode, func(ns Namespace, ino uint32) int { return cmp.Compare(ns.Inode, ino) })
	if !ok {
		return nil
	}
	return &snap.Namespaces[i]
}
