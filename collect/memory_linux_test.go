package collect

import (
	"context"
	"io"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
)

// TestKernelOwnerMemory: this process connects, and the socket is its; it
// closes first, and in the next snapshot of the same session the socket is
// TIME_WAIT, has no inode, and is shown with this process as its former
// owner.
func TestKernelOwnerMemory(t *testing.T) {
	ns := nstest.Require(t)
	l, err := ns.Listen("tcp4", "127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := ns.Dial("tcp4", "127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	s, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	local := c.LocalAddr().(*net.TCPAddr).AddrPort()
	key := model.TupleKey{Proto: model.ProtoTCP,
		Local:  netip.AddrPortFrom(local.Addr().Unmap(), local.Port()),
		Remote: netip.MustParseAddrPort("127.0.0.1:8080")}

	coll := New(Config{NetNS: ns.Path(), Processes: true, Remember: true})
	find := func(snap *model.Snapshot) *model.Socket {
		for i := range snap.Sockets {
			if snap.Sockets[i].Key() == key {
				return &snap.Sockets[i]
			}
		}
		return nil
	}
	snap, err := coll.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sock := find(snap)
	if sock == nil || sock.State != model.StateEstablished {
		t.Fatalf("client socket %+v, want it ESTABLISHED", sock)
	}
	owners := snap.OwnersOf(sock)
	if len(owners) != 1 || owners[0].PID != int32(os.Getpid()) || owners[0].Former {
		t.Fatalf("owners %+v, want this process (%d)", owners, os.Getpid())
	}
	comm := owners[0].Comm

	// The client closes first; the server answers with its FIN.
	c.Close()
	s.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.Copy(io.Discard, s)
	s.Close()

	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if snap, err = coll.Collect(context.Background()); err != nil {
			t.Fatal(err)
		}
		if sock = find(snap); sock != nil && sock.State == model.StateTimeWait || time.Now().After(deadline) {
			break
		}
	}
	if sock == nil || sock.State != model.StateTimeWait || sock.Inode != 0 {
		t.Fatalf("client socket %+v, want TIME_WAIT without an inode", sock)
	}
	want := model.Owner{PID: int32(os.Getpid()), FD: owners[0].FD, Comm: comm, Former: true}
	if got := snap.OwnersOf(sock); len(got) != 1 || got[0] != want {
		t.Errorf("TIME_WAIT owners %+v, want %+v", got, want)
	}
	// A collector without memory cannot know.
	fresh, err := New(Config{NetNS: ns.Path(), Processes: true}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tw := find(fresh); tw == nil {
		t.Error("the TIME_WAIT socket is gone from a new session's snapshot")
	} else if got := fresh.OwnersOf(tw); got != nil {
		t.Errorf("a new session names a TIME_WAIT's owner: %+v", got)
	}
}
