package sample_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/sample"
)

// TakeAfter: the second sample, over the time between the two readings,
// with the ports report on it alone; one reading without an interval.
func TestTakeAfter(t *testing.T) {
	snaps := []*model.Snapshot{
		snapshot(ns1, t0, dbPool(20, model.StateTimeWait, 0)...),
		snapshot(ns1, t0.Add(2*time.Second), dbPool(30, model.StateTimeWait, 0)...),
	}
	cfg := &sample.Config{Ports: true, Collect: replay(t, snaps...)}
	s, err := sample.TakeAfter(t.Context(), cfg, time.Millisecond)
	if err != nil || s == nil {
		t.Fatalf("TakeAfter: %v, %v", s, err)
	}
	n := s.Net()
	if s.Seq != 2 || n.Snap != snaps[1] || n.DT != 2*time.Second || n.Ports == nil || n.Dests == nil {
		t.Errorf("seq %d, second snapshot %v, dt %v, ports report %v, dests %v; want 2, true, 2s, a report, dests",
			s.Seq, n.Snap == snaps[1], n.DT, n.Ports != nil, n.Dests != nil)
	}
	if !cfg.Ports {
		t.Error("TakeAfter changed its caller's config")
	}
	// The baseline kept its pools, so the second sample's pool grew from
	// 20 to 30 ports in use over 2 s: 5 a second. Without them it would
	// have no growth at all (conntab ports -i said 0/s).
	for _, p := range n.Dests.Pools {
		if p.InUseBefore != 20 || p.Growth != 5 {
			t.Errorf("pool %v → %v: in use before %d, growth %.1f/s; want 20, 5/s", p.Local, p.Remote, p.InUseBefore, p.Growth)
		}
	}
	if len(n.Dests.Pools) == 0 {
		t.Error("the second sample has no pools")
	}

	cfg = &sample.Config{Ports: true, Collect: replay(t, snaps[0])}
	if s, err := sample.TakeAfter(t.Context(), cfg, 0); err != nil || s.Seq != 1 || s.Net().Ports == nil || s.Net().DT != 0 {
		t.Errorf("no interval: %+v, %v; want the first sample, with its report", s, err)
	}
}

// An interrupt while waiting ends TakeAfter at once, saying so; a first
// reading that failed ends it before the wait.
func TestTakeAfterInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cfg := &sample.Config{Collect: func(context.Context) (*model.Snapshot, error) {
		cancel()
		return snapshot(ns1, t0), nil
	}}
	s, err := sample.TakeAfter(ctx, cfg, time.Hour)
	if s != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted: %v, %v; want nil and context.Canceled", s, err)
	}
	refused := errors.New("netlink refused")
	cfg = &sample.Config{Collect: func(context.Context) (*model.Snapshot, error) { return nil, refused }}
	if s, err := sample.TakeAfter(t.Context(), cfg, time.Hour); s != nil || !errors.Is(err, refused) {
		t.Errorf("nothing read: %v, %v; want nil and the reading's error", s, err)
	}
}

// A second reading that failed part way gives its sample with both
// readings' errors.
func TestTakeAfterPartial(t *testing.T) {
	errFirst, errSecond := errors.New("first: a line did not decode"), errors.New("second: settings unread")
	calls := 0
	cfg := &sample.Config{Collect: func(context.Context) (*model.Snapshot, error) {
		calls++
		if calls == 1 {
			return snapshot(ns1, t0), errFirst
		}
		return snapshot(ns1, t0.Add(time.Second)), errSecond
	}}
	s, err := sample.TakeAfter(t.Context(), cfg, time.Millisecond)
	if s == nil || !errors.Is(err, errFirst) || !errors.Is(err, errSecond) {
		t.Errorf("%v, %v; want the second sample with both errors", s, err)
	}
}
