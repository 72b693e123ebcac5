package render

import (
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

// hiddenSnap has sockets sockets with an inode and no owner seen, and
// procs processes hidden, refused with why.
func hiddenSnap(sockets, procs int, why error) *model.Snapshot {
	snap := &model.Snapshot{}
	for i := range sockets {
		snap.Sockets = append(snap.Sockets, model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateListen,
			Local: netip.MustParseAddrPort("0.0.0.0:" + string(rune('1'+i)) + "0"), Inode: uint64(100 + i)})
	}
	// One socket whose owner was seen: it is not counted.
	snap.Sockets = append(snap.Sockets, model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateListen,
		Local: netip.MustParseAddrPort("0.0.0.0:22"), Inode: 99})
	snap.Owners = model.NewOwners([]model.Owner{{Inode: 99, PID: 10, FD: 3, Comm: "sshd"}}, procs)
	snap.Owners.HiddenErr = why
	return snap
}

// TestHiddenOwnersNote: as root, `conntab list -lp` said "1 sockets belong
// to processes you cannot inspect (1 processes): run as root to name
// them" when root itself was refused (PID 1's descriptors answer EACCES
// even to root). The note says what happened and what would help, for
// root and for a user, with plurals that agree.
func TestHiddenOwnersNote(t *testing.T) {
	eacces := &os.PathError{Op: "read", Path: "/proc/1/fd", Err: syscall.EACCES}
	eperm := &os.PathError{Op: "read", Path: "/proc/812/fd", Err: syscall.EPERM}
	for _, tc := range []struct {
		name           string
		sockets, procs int
		why            error
		euid           int
		want           string
	}{
		{"root refused", 1, 1, eacces, 0,
			"conntab: 1 socket belongs to a process that even root may not inspect (read /proc/1/fd: permission denied): " +
				"a security module (Yama, SELinux, AppArmor) refuses, or the process runs in a user namespace beyond this root's reach; " +
				"run conntab where it is within reach (on the host, outside the container or sandbox) to name it"},
		{"root refused, several", 3, 2, eperm, 0,
			"conntab: 3 sockets belong to processes that even root may not inspect (2 processes; read /proc/812/fd: operation not permitted): " +
				"a security module (Yama, SELinux, AppArmor) refuses, or the processes run in a user namespace beyond this root's reach; " +
				"run conntab where they are within reach (on the host, outside the container or sandbox) to name them"},
		{"user", 1, 1, eacces, 1000,
			"conntab: 1 socket belongs to a process you may not inspect (read /proc/1/fd: permission denied): run as root to name it"},
		{"user, several sockets of one process", 4, 1, eacces, 1000,
			"conntab: 4 sockets belong to a process you may not inspect (read /proc/1/fd: permission denied): run as root to name them"},
		{"user, one socket of several processes", 1, 5, eacces, 1000,
			"conntab: 1 socket belongs to one of 5 processes you may not inspect (read /proc/1/fd: permission denied): run as root to name it"},
		{"user, no reason recorded", 2, 2, nil, 1000,
			"conntab: 2 sockets belong to processes you may not inspect (2 processes): run as root to name them"},
		{"hidden processes hold no socket", 0, 3, eacces, 0, ""},
		{"nothing hidden", 2, 0, nil, 1000, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := hiddenSnap(tc.sockets, tc.procs, tc.why)
			if diff := cmp.Diff(tc.want, HiddenOwnersNote(snap, tc.euid)); diff != "" {
				t.Errorf("HiddenOwnersNote (-want +got):\n%s", diff)
			}
			if tc.euid == 0 && strings.Contains(HiddenOwnersNote(snap, tc.euid), "run as root") {
				t.Errorf("root is told to run as root")
			}
		})
	}
}

func TestHiddenOwnersShort(t *testing.T) {
	for _, tc := range []struct {
		sockets, procs, euid int
		want                 string
	}{
		{1, 1, 0, "1 socket of a process even root may not inspect"},
		{3, 2, 1000, "3 sockets of processes only root may inspect"},
		{0, 2, 1000, ""},
	} {
		if got := HiddenOwnersShort(hiddenSnap(tc.sockets, tc.procs, nil), tc.euid); got != tc.want {
			t.Errorf("%d sockets, %d processes, euid %d: %q, want %q", tc.sockets, tc.procs, tc.euid, got, tc.want)
		}
	}
}

// The kernel's reason is text from outside: a path with a control byte
// is escaped.
func TestHiddenOwnersNoteEscapes(t *testing.T) {
	why := &os.PathError{Op: "read", Path: "/proc/\x1b[31m1/fd", Err: syscall.EACCES}
	if got := HiddenOwnersNote(hiddenSnap(1, 1, why), 1000); strings.ContainsRune(got, 0x1b) {
		t.Errorf("escape byte passed: %q", got)
	}
}
