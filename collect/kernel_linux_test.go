package collect

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
)

// without drops sockets in state st.
func without(socks []model.Socket, st model.State) []model.Socket {
	return slices.DeleteFunc(slices.Clone(socks), func(s model.Socket) bool { return s.State == st })
}

// kernelAtLeast reports whether the running kernel is major.minor or newer.
func kernelAtLeast(major, minor int) bool {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return false
	}
	var ma, mi int
	fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &ma, &mi)
	return ma > major || ma == major && mi >= minor
}

// collectUntil collects from ns until the tuples equal want, for up to two
// seconds: the last FIN of a closing pair may still be in flight.
func collectUntil(t *testing.T, cfg Config, want []string) (*model.Snapshot, []string) {
	t.Helper()
	return collectUntilWith(t, func() *Collector { return New(cfg) }, want)
}

func collectUntilWith(t *testing.T, newCollector func() *Collector, want []string) (*model.Snapshot, []string) {
	t.Helper()
	var snap *model.Snapshot
	var got []string
	for deadline := time.Now().Add(2 * time.Second); ; {
		c := newCollector()
		var err error
		snap, err = c.Collect(context.Background())
		if err != nil {
			t.Fatalf("collect %s: %v", c.cfg.Mode, err)
		}
		got = tuples(snap.Sockets)
		if slices.Equal(got, want) || time.Now().After(deadline) {
			return snap, got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestKernelKnownSet(t *testing.T) {
	ns := nstest.Require(t)
	k, err := nstest.BuildKnownSet(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()

	// /proc/net never lists bound-only sockets; sock_diag does from 6.8.
	wantNetlink := k.Want
	if !kernelAtLeast(6, 8) {
		wantNetlink = without(k.Want, model.StateBoundInactive)
	}
	for _, tt := range []struct {
		mode Mode
		want []model.Socket
	}{
		{ModeNetlink, wantNetlink},
		{ModeProc, without(k.Want, model.StateBoundInactive)},
	} {
		t.Run(tt.mode.String(), func(t *testing.T) {
			snap, got := collectUntil(t, Config{Mode: tt.mode, NetNS: ns.Path()}, tuples(tt.want))
			if diff := cmp.Diff(tuples(tt.want), got); diff != "" {
				t.Fatalf("sockets (-want +got)\n%s", diff)
			}
			if snap.NetNS != uint32(ns.Inode()) {
				t.Errorf("snapshot netns = %d, want %d", snap.NetNS, ns.Inode())
			}
			checkDetails(t, snap, tt.mode)
		})
	}

	// The same sockets when TCP is asked a family at a time, as after a
	// kernel refused both in one dump.
	t.Run("netlink by family", func(t *testing.T) {
		byFamily := func() *Collector {
			c := New(Config{Mode: ModeNetlink, NetNS: ns.Path()})
			c.byFamily = true
			return c
		}
		if jobs, _ := byFamily().dumpJobs(procSockstat{}); len(jobs) != 4 {
			t.Fatalf("%d jobs, want one per family and protocol", len(jobs))
		}
		snap, got := collectUntilWith(t, byFamily, tuples(wantNetlink))
		if diff := cmp.Diff(tuples(wantNetlink), got); diff != "" {
			t.Fatalf("sockets (-want +got)\n%s", diff)
		}
		checkDetails(t, snap, ModeNetlink)
	})

	// Walking the bind table every third snapshot only: every snapshot
	// still lists the bound-only sockets, from the last walk in between.
	t.Run("netlink, bound every 3", func(t *testing.T) {
		c := New(Config{Mode: ModeNetlink, NetNS: ns.Path(), BoundEvery: 3})
		c.boundSkipAt = 0
		var skipped []bool
		for i := range 4 {
			_, skip := c.dumpJobs(procSockstat{})
			skipped = append(skipped, skip)
			snap, err := c.Collect(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tuples(wantNetlink), tuples(snap.Sockets)); diff != "" {
				t.Fatalf("snapshot %d (-want +got)\n%s", i, diff)
			}
		}
		// dumpJobs plans a snapshot as Collect does: the bind table is
		// walked at the first and the fourth.
		if want := []bool{false, true, true, false}; !slices.Equal(skipped, want) {
			t.Errorf("walk skipped per snapshot %v, want %v", skipped, want)
		}
	})

	// Stream hands on the same sockets as Collect, with their details.
	for _, tt := range []struct {
		mode Mode
		want []model.Socket
	}{{ModeNetlink, wantNetlink}, {ModeProc, without(k.Want, model.StateBoundInactive)}} {
		t.Run(tt.mode.String()+" stream", func(t *testing.T) {
			stream := func() *Collector { return New(Config{Mode: tt.mode, NetNS: ns.Path()}) }
			var snap *model.Snapshot
			var got []model.Socket
			for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				got = got[:0]
				var err error
				snap, err = stream().Stream(context.Background(), func(_ *model.Snapshot, b []model.Socket) error {
					got = append(got, b...)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if slices.Equal(tuples(got), tuples(tt.want)) || time.Now().After(deadline) {
					break
				}
			}
			if diff := cmp.Diff(tuples(tt.want), tuples(got)); diff != "" {
				t.Fatalf("sockets (-want +got)\n%s", diff)
			}
			if len(snap.Sockets) != 0 {
				t.Errorf("the snapshot holds %d sockets; a stream hands them all on", len(snap.Sockets))
			}
			snap.Sockets = got
			checkDetails(t, snap, tt.mode)
		})
	}

	t.Run("ss", func(t *testing.T) {
		want := without(wantNetlink, model.StateBoundInactive) // ss 6.1 predates BOUND_INACTIVE
		snap, _ := collectUntil(t, Config{Mode: ModeNetlink, NetNS: ns.Path(), States: model.AllStateSet &^ model.NewStateSet(model.StateBoundInactive)}, tuples(want))
		fromSSSockets, err := nstest.SS(ns)
		if errors.Is(err, exec.ErrNotFound) {
			t.Skip("ss (iproute2) is not installed: .ci/run installs it")
		}
		if err != nil {
			t.Fatal(err)
		}
		fromSS := tuples(fromSSSockets)
		if diff := cmp.Diff(fromSS, tuples(snap.Sockets)); diff != "" {
			t.Fatalf("conntab disagrees with ss (-ss +conntab)\n%s", diff)
		}
	})
}

// checkDetails checks the fields beyond the tuple that the known set fixes.
func checkDetails(t *testing.T, snap *model.Snapshot, mode Mode) {
	t.Helper()
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		if s.NetNS != snap.NetNS {
			t.Errorf("%s: netns %d, want %d", tuple(s), s.NetNS, snap.NetNS)
		}
		if mode == ModeNetlink && s.Cookie == 0 {
			t.Errorf("%s: no cookie", tuple(s))
		}
		switch {
		case s.State == model.StateTimeWait:
			if s.Inode != 0 || s.Timer.Kind != model.TimerTimewait || s.Timer.Expires <= 0 || s.Timer.Expires > time.Minute {
				t.Errorf("%s: inode %d timer %+v, want no inode and a timewait timer within 60s", tuple(s), s.Inode, s.Timer)
			}
		case s.State == model.StateListen && s.Local.Port() == 8004:
			// The backlog-0 listener holds one connection in its queue.
			if q, _ := s.AcceptQueue(); q != 1 {
				t.Errorf("%s: accept queue %d, want 1", tuple(s), q)
			}
			if b, _ := s.Backlog(); b != 0 {
				t.Errorf("%s: backlog %d, want 0", tuple(s), b)
			}
		case s.State == model.StateListen && mode == ModeNetlink:
			// The net package listens with somaxconn, never 0.
			if b, _ := s.Backlog(); b == 0 {
				t.Errorf("%s: backlog 0, want the listen() backlog", tuple(s))
			}
		case s.State == model.StateSynSent:
			if s.Timer.Kind != model.TimerOn || s.Inode == 0 {
				t.Errorf("%s: timer %+v inode %d, want the retransmit timer and an inode", tuple(s), s.Timer, s.Inode)
			}
		case s.State == model.StateEstablished && s.Proto == model.ProtoTCP && s.Local.Port() != 8004 && s.Remote.Port() != 8004:
			if s.Inode == 0 {
				t.Errorf("%s: no inode", tuple(s))
			}
		}
	}
}
