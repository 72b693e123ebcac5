package model

import (
	"math/rand/v2"
	"testing"
)

// TestUnowned holds the sort-and-merge count to a lookup of each socket:
// sockets sharing an inode, sockets without one, owners of sockets not
// in the snapshot, and inodes that differ in high bytes only.
func TestUnowned(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 1000, 50000} {
		var socks []Socket
		var owners []Owner
		for i := range n {
			ino := uint64(r.IntN(3*n+1)) | uint64(r.IntN(3))<<40
			if i%10 == 0 {
				ino = 0
			}
			socks = append(socks, Socket{Inode: ino})
			if r.IntN(3) > 0 {
				owners = append(owners, Owner{Inode: uint64(r.IntN(3*n+1)) | uint64(r.IntN(3))<<40, PID: int32(i)})
			}
		}
		snap := &Snapshot{Sockets: socks, Owners: NewOwners(owners, 1)}
		want := 0
		for i := range socks {
			if socks[i].Inode != 0 && len(snap.Owners.Of(socks[i].Inode)) == 0 {
				want++
			}
		}
		if got := snap.Unowned(); got != want {
			t.Errorf("%d sockets: Unowned() = %d, want %d", n, got, want)
		}
		snap.Owners.Hidden = 0
		if got := snap.Unowned(); got != 0 {
			t.Errorf("%d sockets, none hidden: Unowned() = %d, want 0", n, got)
		}
	}
}

// BenchmarkUnowned counts the unowned sockets of a million, in the
// kernel's hash order, whose inodes a few hundred processes hold.
func BenchmarkUnowned(b *testing.B) {
	const n = 1000000
	r := rand.New(rand.NewPCG(1, 2))
	socks := make([]Socket, n)
	owners := make([]Owner, 0, n)
	for i, k := range r.Perm(n) {
		ino := 100000000 + uint64(k)*3
		socks[i].Inode = ino
		if k%1000 != 0 {
			owners = append(owners, Owner{Inode: ino, PID: int32(k % 300)})
		}
	}
	snap := &Snapshot{Sockets: socks, Owners: NewOwners(owners, 1)}
	b.ReportAllocs()
	for b.Loop() {
		if snap.Unowned() != n/1000 {
			b.Fatal("miscounted")
		}
	}
}
