package collect

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

// TestMergeOwnersInto holds the in-place merge to mergeOwners: owners
// equal in inode, pid and fd on both sides (a's first), an empty side,
// and b's owners before, between and after a's.
func TestMergeOwnersInto(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	gen := func(n int, comm string) []model.Owner {
		o := make([]model.Owner, n)
		for i := range o {
			o[i] = model.Owner{Inode: uint64(r.IntN(40)), PID: int32(r.IntN(3)), FD: int32(r.IntN(3)), Comm: comm}
		}
		slices.SortStableFunc(o, compareOwners)
		return o
	}
	for _, size := range [][2]int{{0, 0}, {0, 5}, {5, 0}, {1, 1}, {30, 3}, {3, 30}, {200, 200}} {
		a, b := gen(size[0], "a"), gen(size[1], "b")
		want := mergeOwners(slices.Clone(a), slices.Clone(b))
		got := mergeOwnersInto(append(make([]model.Owner, 0, len(a)+len(b)), a...), b)
		if !slices.Equal(want, got) {
			t.Errorf("%d into %d: mergeOwners %v, mergeOwnersInto %v", len(b), len(a), want, got)
		}
	}
}

// TestKeptAsIs: owners are kept as they are only when every process that
// holds one is kept under the name it had, or read again with the same
// owners.
func TestKeptAsIs(t *testing.T) {
	owners := []model.Owner{
		{Inode: 1, PID: 10, Comm: "a"}, {Inode: 2, PID: 10, Comm: "a"}, {Inode: 3, PID: 20, Comm: "b"},
	}
	for _, tc := range []struct {
		kept    map[int32]procEntry
		scanned []model.Owner
		want    bool
	}{
		{map[int32]procEntry{10: {comm: "a"}, 20: {comm: "b"}, 30: {comm: "c"}}, nil, true},
		{map[int32]procEntry{10: {comm: "a"}}, nil, false},                                                            // 20 gone
		{map[int32]procEntry{10: {comm: "a"}, 20: {comm: "x"}}, nil, false},                                           // 20 renamed
		{map[int32]procEntry{10: {comm: "a"}}, owners[2:], true},                                                      // 20 read again, the same
		{map[int32]procEntry{20: {comm: "b"}}, owners[:2], true},                                                      // 10 read again, the same
		{map[int32]procEntry{20: {comm: "b"}}, owners[:1], false},                                                     // 10 closed one
		{map[int32]procEntry{10: {comm: "a"}, 20: {comm: "b"}}, []model.Owner{{Inode: 4, PID: 30, Comm: "c"}}, false}, // 30 opened one
		{map[int32]procEntry{10: {comm: "a"}}, []model.Owner{{Inode: 3, PID: 20, Comm: "x"}}, false},                  // 20 renamed
	} {
		if got := keptAsIs(owners, tc.kept, tc.scanned); got != tc.want {
			t.Errorf("keptAsIs(%v, %v) = %v, want %v", tc.kept, tc.scanned, got, tc.want)
		}
		if tc.want {
			merged := mergeOwnersInto(keptOwners(owners, tc.kept, make([]model.Owner, 0, len(owners)+len(tc.scanned))), tc.scanned)
			if diff := cmp.Diff(owners, merged); diff != "" {
				t.Errorf("keptAsIs says as is, the merge differs:\n%s", diff)
			}
		}
	}
	if !keptAsIs(nil, nil, nil) {
		t.Error("no owners: not kept as they are")
	}
}
