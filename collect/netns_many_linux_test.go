package collect

import (
	"strings"
	"testing"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
)

// A namespace that is gone when its turn comes (its file removed, or its
// file now another namespace, as a /proc/PID/ns/net whose PID was reused)
// is skipped with a note; the others are read, and no error is made of it.
func TestCollectManySkipsVanished(t *testing.T) {
	ns := nstest.Require(t)
	other := nstest.Require(t)
	l, err := ns.Listen("tcp4", "127.0.0.1:8001")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var notes []string
	c := New(Config{Mode: ModeNetlink, Notify: func(m string) { notes = append(notes, m) }})
	nss := []model.Namespace{
		{Inode: uint32(ns.Inode()), Path: ns.Path()},
		{Inode: 1, Path: "/proc/self/fd/999999"},            // gone
		{Inode: uint32(ns.Inode()) + 1, Path: other.Path()}, // another namespace now
	}
	snap, err := c.merge(nss, c.readAll(t.Context(), nss))
	if err != nil {
		t.Fatalf("merge: %v", err)
	}
	if len(snap.Namespaces) != 1 || len(snap.Sockets) != 1 || snap.Sockets[0].NetNS != uint32(ns.Inode()) {
		t.Errorf("read %d namespaces, %d sockets: %+v", len(snap.Namespaces), len(snap.Sockets), snap.Sockets)
	}
	if len(notes) != 2 || !strings.Contains(notes[0], "vanished") || !strings.Contains(notes[1], "vanished") {
		t.Errorf("notes %q, want two saying a namespace vanished", notes)
	}
}

func TestHiddenNote(t *testing.T) {
	for _, tt := range []struct {
		rep  FindReport
		root bool
		want string
	}{
		{FindReport{Hidden: 1, HiddenPIDs: []int32{1}}, true,
			"conntab: the network namespace of 1 process (PID 1) could not be read even as root: the kernel refused /proc/PID/ns/net (a process in another user namespace can), so those namespaces are listed only where another process or a mount shares them"},
		{FindReport{Hidden: 5, HiddenPIDs: []int32{1, 20, 300}}, false,
			"conntab: the network namespaces of 5 processes (PID 1, 20, 300, …) could not be seen: other users' /proc/PID/ns/net need root"},
	} {
		if got := hiddenNote(tt.rep, tt.root); got != tt.want {
			t.Errorf("hiddenNote(%+v, root %v) =\n%q\nwant\n%q", tt.rep, tt.root, got, tt.want)
		}
	}
}
