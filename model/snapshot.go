package model

import "time"

// Source names where a snapshot's sockets came from.
type Source uint8

// Sources.
const (
	SourceNetlink Source = iota + 1 // sock_diag (inet_diag) over netlink
	SourceProc                      // /proc/net/{tcp,tcp6,udp,udp6}
)

func (s Source) String() string {
	switch s {
	case SourceNetlink:
		return "netlink"
	case SourceProc:
		return "proc"
	}
	return "source(" + itoa(uint64(s)) + ")"
}

// Snapshot is one reading of a network namespace's connection table.
type Snapshot struct {
	Sockets []Socket
	// Taken is when the sockets were read: the moment their dump
	// started, which rates between snapshots are measured from.
	Taken time.Time
	// Read is when the dump ended: each socket it holds existed at some
	// moment between Taken and Read. Zero when the source does not say.
	Read time.Time
	// Duration is how long the whole reading took: the dump, the
	// settings and the owners.
	Duration time.Duration
	Source   Source
	// NetNS is the inode number of the namespace that was read; with
	// several (Namespaces), the reader's own.
	NetNS uint32
	// Namespaces are the namespaces read when several were (-N all), each
	// socket in one of them by its NetNS; nil for one namespace. Host is
	// then the reader's own namespace's (each has its own in Namespace.Host).
	Namespaces []Namespace
	Host       HostFacts
	// Owners are the processes that hold the sockets, when they were asked
	// for; nil otherwise.
	Owners *Owners
	// Former holds, for sockets that no longer belong to a file (TIME_WAIT,
	// orphaned), the owners their connection had in an earlier snapshot of
	// the same session, marked Former.
	Former map[TupleKey][]Owner
}

// OwnersOf returns the processes holding s, or, for a socket without an
// inode, the ones its connection had when it last had one (Former set).
func (snap *Snapshot) OwnersOf(s *Socket) []Owner {
	if s.Inode != 0 {
		return snap.Owners.Of(s.Inode)
	}
	return snap.Former[s.Key()]
}

// Unowned counts the sockets that belong to a file but to no process the
// walk of /proc could see (those of processes this user cannot inspect);
// 0 when processes were not asked for, or every one could be seen. The
// sockets' inodes are sorted and merged with the owners, which are sorted
// by inode: a lookup of each of a million sockets (Owners.Of) cost half a
// second, this some tens of milliseconds.
func (snap *Snapshot) Unowned() int {
	if snap.Owners == nil || snap.Owners.Hidden == 0 {
		return 0
	}
	inodes := make([]uint64, 0, len(snap.Sockets))
	for i := range snap.Sockets {
		if ino := snap.Sockets[i].Inode; ino != 0 {
			inodes = append(inodes, ino)
		}
	}
	inodes, _ = SortInodes(inodes, make([]uint64, len(inodes)))
	owners := snap.Owners.byInode
	n, j := 0, 0
	for _, ino := range inodes {
		for j < len(owners) && owners[j].Inode < ino {
			j++
		}
		if j == len(owners) || owners[j].Inode != ino {
			n++
		}
	}
	return n
}

// HostFacts are the namespace's settings that label and budget ports.
type HostFacts struct {
	// Ephemeral is net.ipv4.ip_local_port_range: the ports connect() and
	// bind(0) pick from.
	Ephemeral PortRange
	// Reserved is net.ipv4.ip_local_reserved_ports: ports inside Ephemeral
	// that the kernel never picks.
	Reserved []PortRange
	// Settings and Counters are the namespace's port and TIME_WAIT
	// sysctls and its TCP counters, when they were asked for.
	Settings NetSettings
	Counters NetCounters
}

// Privileged reports whether binding port takes root or
// CAP_NET_BIND_SERVICE, that is, whether it is below
// net.ipv4.ip_unprivileged_port_start; known is false when the setting
// was not read.
func (h *HostFacts) Privileged(port uint16) (priv, known bool) {
	if h == nil || !h.Settings.Read {
		return false, false
	}
	return int(port) < h.Settings.UnprivilegedPortStart, true
}
