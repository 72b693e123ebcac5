package model

import (
	"net/netip"
	"slices"
	"sort"
)

// Owner is a process that holds a socket open: its descriptor for it.
// After fork several processes may hold the same socket.
type Owner struct {
	Inode uint64
	PID   int32
	FD    int32
	// Comm is the process's name as the kernel keeps it (15 bytes at
	// most). A process chooses it: it is untrusted text (see escape.AppendSafe).
	Comm string
	// Former marks an owner remembered from an earlier snapshot, for a
	// socket that no longer belongs to any file (TIME_WAIT, orphaned).
	Former bool
}

// Owners are the processes that hold sockets, by socket inode.
type Owners struct {
	byInode []Owner // sorted by inode, then pid, then fd
	// Hidden counts the processes whose descriptors could not be read:
	// another user's, for a caller without CAP_SYS_PTRACE; and even for
	// root, those a security module (Yama, SELinux, AppArmor) or a user
	// namespace keeps out of reach.
	Hidden int
	// HiddenErr is why one of them (the lowest pid) could not be read:
	// the error of the file that refused, an *os.PathError wrapping EACCES
	// or EPERM, so that a printer can say what happened. nil when Hidden
	// is 0.
	HiddenErr error
}

// NewOwners indexes owners: it sorts the slice it is given, unless it is
// sorted already. A sorted slice is only read, so two Owners may share
// it (a collector hands its last snapshot's owners on when no process
// changed) while another goroutine reads the first.
func NewOwners(owners []Owner, hidden int) *Owners {
	if !slices.IsSortedFunc(owners, compareOwners) {
		slices.SortFunc(owners, compareOwners)
	}
	return &Owners{byInode: owners, Hidden: hidden}
}

func compareOwners(a, b Owner) int {
	switch {
	case a.Inode != b.Inode:
		return cmpUint(a.Inode, b.Inode)
	case a.PID != b.PID:
		return int(a.PID - b.PID)
	}
	return int(a.FD - b.FD)
}

func cmpUint(a, b uint64) int {
	if a < b {
		return -1
	}
	return 1
}

// Of returns the processes holding the socket with inode, or nil. The
// result shares memory with o.
func (o *Owners) Of(inode uint64) []Owner {
	if o == nil || inode == 0 {
		return nil
	}
	i := sort.Search(len(o.byInode), func(i int) bool { return o.byInode[i].Inode >= inode })
	j := i
	for j < len(o.byInode) && o.byInode[j].Inode == inode {
		j++
	}
	return o.byInode[i:j:j]
}

// Len is the number of (socket, process, descriptor) entries.
func (o *Owners) Len() int {
	if o == nil {
		return 0
	}
	return len(o.byInode)
}

// TupleKey names a connection by protocol and both endpoints, as it stays
// when its socket turns into a TIME_WAIT one (and loses its inode).
type TupleKey struct {
	Proto         Proto
	Local, Remote netip.AddrPort
}

// Key is s's TupleKey.
func (s *Socket) Key() TupleKey { return TupleKey{s.Proto, s.Local, s.Remote} }

// ProcessDetail is what the detail view shows about a process beyond its
// name: what a person needs to tell two nginx workers, or two containers'
// databases, apart. All of it is untrusted text.
type ProcessDetail struct {
	// Cmdline is the process's argument vector (/proc/PID/cmdline); empty
	// for kernel threads and zombies.
	Cmdline []string
	// Cgroup is the process's cgroup v2 path ("0::/system.slice/nginx.service"),
	// or the v1 line naming the most telling controller.
	Cgroup string
	// Container is the container id the cgroup path names (docker, podman,
	// containerd, CRI-O), or "".
	Container string
}

// ByInode is every owner, sorted by inode, then pid, then fd: for a merge
// with sockets sorted by inode. It is the Owners' own slice, not a copy.
func (o *Owners) ByInode() []Owner {
	if o == nil {
		return nil
	}
	return o.byInode
}
