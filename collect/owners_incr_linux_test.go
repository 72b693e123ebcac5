package collect

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

// fakeProc is a process of a fixture /proc: its name, start time, and
// descriptors' link texts by number.
type fakeProc struct {
	comm  string
	start uint64
	fds   map[int]string
}

// writeProcs makes root hold exactly procs, with comm and stat files that
// agree, so that readOwners (which reads comm) and the tracker (stat) see
// the same names.
func writeProcs(t *testing.T, root string, procs map[int32]fakeProc) {
	t.Helper()
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if err := os.RemoveAll(filepath.Join(root, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	tree := map[string]string{"self": "-> 1"}
	for pid, p := range procs {
		tree[fmt.Sprintf("%d/comm", pid)] = p.comm + "\n"
		tree[fmt.Sprintf("%d/stat", pid)] = formatStat(pid, p.comm, p.start)
		tree[fmt.Sprintf("%d/fd/", pid)] = "/"
		for fd, link := range p.fds {
			tree[fmt.Sprintf("%d/fd/%d", pid, fd)] = "-> " + link
		}
	}
	writeTree(t, root, tree)
}

// countEntries stands in for the kernel's count of a process's
// descriptors: the entries of its fixture fd directory.
func countEntries(dir int, name string) (procIdent, error) {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/self/fd/%d/%s", dir, name))
	if err != nil {
		return procIdent{}, err
	}
	return procIdent{fds: int64(len(ents))}, nil
}

// dumped is a dump of the sockets with these inodes.
func dumped(inodes ...uint64) []model.Socket {
	var s []model.Socket
	for _, ino := range inodes {
		s = append(s, model.Socket{Inode: ino})
	}
	return s
}

// collectOwners runs one snapshot's walk of t over root, with the dump
// holding sockets.
func collectOwners(t *testing.T, tr *ownerTracker, root string, sockets []model.Socket) *model.Owners {
	t.Helper()
	if err := tr.begin(root); err != nil {
		t.Fatal(err)
	}
	o, err := tr.finish(root, sockets)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// inodesOf is every socket inode in procs.
func inodesOf(procs map[int32]fakeProc) []string {
	var links []string
	for _, p := range procs {
		for _, l := range p.fds {
			links = append(links, l)
		}
	}
	return links
}

// TestTrackerFixture runs one tracker over a fixture /proc as it changes,
// and checks every snapshot against a full walk of the same tree and
// against what it should have re-read.
func TestTrackerFixture(t *testing.T) {
	root := t.TempDir()
	tr := &ownerTracker{identify: countEntries, every: 100}
	procs := map[int32]fakeProc{
		1:  {"init", 10, map[int]string{0: "/dev/null", 3: "socket:[100]", 4: "socket:[101]"}},
		22: {"sshd", 20, map[int]string{3: "socket:[200]", 4: "pipe:[9]", 5: "socket:[100]"}},
		33: {"cron", 30, map[int]string{0: "/dev/null"}},
		// No descriptors, as a kernel thread: kept by its count of 0.
		2: {"kthreadd", 1, nil},
	}
	// Every step changes procs, then says which sockets the dump holds and
	// what the tracker must have done.
	steps := []struct {
		name   string
		change func()
		dump   []uint64
		want   trackStats
		// stale, if set, is an inode whose owners may differ from a full
		// walk's, as fullWalkEvery documents.
		stale uint64
	}{
		{name: "first snapshot", dump: []uint64{100, 101, 200}, want: trackStats{Full: true, Reread: 4}},
		{name: "nothing changed", dump: []uint64{100, 101, 200}, want: trackStats{Reused: 4}},
		{
			name:   "a new process",
			change: func() { procs[44] = fakeProc{"nginx", 40, map[int]string{6: "socket:[300]"}} },
			dump:   []uint64{100, 101, 200, 300},
			want:   trackStats{Reused: 4, Reread: 1},
		},
		{
			name:   "a process opens a socket",
			change: func() { procs[22].fds[6] = "socket:[201]" },
			dump:   []uint64{100, 101, 200, 201, 300},
			want:   trackStats{Reused: 4, Reread: 1},
		},
		{
			name:   "a process closes a socket and opens another as the same descriptor",
			change: func() { procs[1].fds[4] = "socket:[102]" },
			dump:   []uint64{100, 102, 200, 201, 300},
			// The second cheap pass keeps 5; then all 4 with descriptors
			// are read.
			want: trackStats{Reused: 1, Reread: 4, Level: 3},
		},
		{
			name: "a pid reused with as many descriptors",
			change: func() {
				procs[33] = fakeProc{"intruder", 31, map[int]string{0: "socket:[400]"}}
			},
			// 400 is in another namespace: only the start time tells.
			dump: []uint64{100, 102, 200, 201, 300},
			want: trackStats{Reused: 4, Reread: 1},
		},
		{
			name: "a process renames itself",
			change: func() {
				p := procs[44]
				p.comm = "nginx: worker"
				procs[44] = p
			},
			dump: []uint64{100, 102, 200, 201, 300},
			want: trackStats{Reused: 5},
		},
		{
			name:   "a process that shared a socket exits",
			change: func() { delete(procs, 22) },
			dump:   []uint64{100, 102, 300},
			want:   trackStats{Reused: 4},
		},
		{
			name:   "a socket no process here holds",
			change: func() {},
			dump:   []uint64{100, 102, 300, 999},
			want:   trackStats{Reused: 1, Reread: 3, Level: 3},
		},
		{
			name:   "still no holder: not new, no second look",
			change: func() {},
			dump:   []uint64{100, 102, 300, 999},
			want:   trackStats{Reused: 4},
		},
		{
			name:   "a process without descriptors opens one",
			change: func() { procs[2] = fakeProc{"kthreadd", 1, map[int]string{0: "socket:[500]"}} },
			dump:   []uint64{100, 102, 300, 500, 999},
			want:   trackStats{Reused: 3, Reread: 1},
		},
		{
			name:   "and closes it again",
			change: func() { procs[2] = fakeProc{"kthreadd", 1, nil} },
			dump:   []uint64{100, 102, 300, 999},
			want:   trackStats{Reused: 3, Reread: 1},
		},
		{
			name:   "and stays without",
			change: func() {},
			dump:   []uint64{100, 102, 300, 999},
			want:   trackStats{Reused: 4},
		},
		{
			name: "a socket closed while another holds it, a file opened instead",
			change: func() {
				procs[44].fds[6] = "/var/log/nginx.log"
				procs[33].fds[1] = "socket:[300]" // handed over: 33 is re-read
			},
			dump:  []uint64{100, 102, 300, 999},
			want:  trackStats{Reused: 3, Reread: 1},
			stale: 300, // 44 still named until the next full walk
		},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			if step.change != nil {
				step.change()
			}
			writeProcs(t, root, procs)
			got := collectOwners(t, tr, root, dumped(step.dump...))
			if diff := cmp.Diff(step.want, tr.last); diff != "" {
				t.Errorf("what the tracker did (-want +got):\n%s", diff)
			}
			full, err := readOwners(root)
			if err != nil {
				t.Fatal(err)
			}
			if step.stale == 0 {
				// Every owner, of the dump's sockets and of the others.
				links := inodesOf(procs)
				for _, ino := range step.dump {
					links = append(links, strconv.FormatUint(ino, 10))
				}
				if diff := cmp.Diff(allOwners(t, full, links), allOwners(t, got, links)); diff != "" {
					t.Errorf("owners, full walk (-) against tracker (+):\n%s", diff)
				}
			}
			if got.Hidden != full.Hidden {
				t.Errorf("Hidden = %d, a full walk says %d", got.Hidden, full.Hidden)
			}
			if step.stale != 0 {
				want := []model.Owner{{Inode: 300, PID: 33, FD: 1, Comm: "intruder"}, {Inode: 300, PID: 44, FD: 6, Comm: "nginx: worker"}}
				if diff := cmp.Diff(want, got.Of(step.stale)); diff != "" {
					t.Errorf("stale owners of %d (-want +got):\n%s", step.stale, diff)
				}
			}
		})
	}

	// The next full walk mends what the counts could not see.
	tr.every = 1
	got := collectOwners(t, tr, root, dumped(100, 102, 300, 999))
	if !tr.last.Full {
		t.Fatalf("not a full walk: %+v", tr.last)
	}
	full, err := readOwners(root)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(allOwners(t, full, inodesOf(procs)), allOwners(t, got, inodesOf(procs))); diff != "" {
		t.Errorf("after a full walk, full walk (-) against tracker (+):\n%s", diff)
	}
}

// A fixture that is no process table, or a kernel before 6.2, gives every
// fd directory a size of 0: then every snapshot walks every process.
func TestTrackerWithoutCounts(t *testing.T) {
	root := t.TempDir()
	procs := map[int32]fakeProc{
		1: {"init", 10, map[int]string{3: "socket:[100]"}},
		2: {"sshd", 20, map[int]string{3: "socket:[200]"}},
	}
	writeProcs(t, root, procs)
	tr := &ownerTracker{identify: func(int, string) (procIdent, error) { return procIdent{}, nil }}
	for i := range 3 {
		got := collectOwners(t, tr, root, dumped(100, 200))
		if !tr.last.Full || !tr.off {
			t.Errorf("snapshot %d: %+v, off %v; want full walks", i, tr.last, tr.off)
		}
		if o := got.Of(200); len(o) != 1 || o[0].PID != 2 || o[0].Comm != "sshd" {
			t.Errorf("snapshot %d: owners of 200: %+v", i, o)
		}
		procs[2].fds[4] = "socket:[20" + strconv.Itoa(i+1) + "]"
		writeProcs(t, root, procs)
	}
}

// Every fullWalkEvery snapshots the tracker walks everything again.
func TestTrackerFullWalkEvery(t *testing.T) {
	root := t.TempDir()
	writeProcs(t, root, map[int32]fakeProc{1: {"init", 10, map[int]string{3: "socket:[100]"}}})
	tr := &ownerTracker{identify: countEntries}
	var full []int
	for i := range 2*fullWalkEvery + 1 {
		collectOwners(t, tr, root, dumped(100))
		if tr.last.Full {
			full = append(full, i)
		}
	}
	if want := []int{0, fullWalkEvery, 2 * fullWalkEvery}; !slices.Equal(full, want) {
		t.Errorf("full walks at snapshots %v, want %v", full, want)
	}
}

// A process whose descriptors cannot be read as another user's could is
// walked, and counted, again at every snapshot, like one that could not
// be read at all; a tracker whose /proc went away starts again.
func TestTrackerErrors(t *testing.T) {
	root := t.TempDir()
	procs := map[int32]fakeProc{1: {"init", 10, map[int]string{3: "socket:[100]"}}}
	writeProcs(t, root, procs)
	tr := &ownerTracker{identify: countEntries}
	collectOwners(t, tr, root, dumped(100))

	// A stat line the tracker cannot read is an error naming the file; the
	// process is left out, as readOwners leaves out one it cannot read.
	if err := os.WriteFile(filepath.Join(root, "1", "stat"), []byte("1 (init"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeTree(t, root, map[string]string{"1/fd/4": "-> socket:[101]"}) // so that it is walked
	if err := tr.begin(root); err != nil {
		t.Fatal(err)
	}
	o, err := tr.finish(root, dumped(100, 101))
	if !errors.Is(err, errStat) {
		t.Fatalf("err = %v, want errStat", err)
	}
	if got := o.Of(100); len(got) != 0 {
		t.Errorf("owners of 100: %+v, want none from a process that could not be read", got)
	}

	gone := filepath.Join(t.TempDir(), "gone")
	if err := tr.begin(gone); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("begin(%s) = %v, want ErrNotExist", gone, err)
	}
	if tr.procs != nil {
		t.Errorf("after a failed begin the tracker still knows %d processes", len(tr.procs))
	}
}
