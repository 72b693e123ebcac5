package sample

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// TakeAfter takes a first sample, waits interval, and returns the sample
// taken after it: its rates, its counters' growth and its Diff are over
// the real time between the two readings. The first is the baseline
// alone: it is taken with cfg.Ports off, since a report on it would be
// thrown away, but with its pools (Dests) whenever the second asks for
// pools, since the second's rates and growth are taken against them. With an interval of zero or less, TakeAfter is
// Take(ctx, cfg, nil).
//
// As with Take, a reading that failed part way gives a sample with its
// error, joined with the other reading's; the result is nil only when
// nothing could be read, or when ctx ends before the second reading.
// conntab ports -i is its user.
func TakeAfter(ctx context.Context, cfg *Config, interval time.Duration) (*Sample, error) {
	if interval <= 0 {
		return Take(ctx, cfg, nil)
	}
	baseline := *cfg
	baseline.Dests, baseline.Ports = cfg.Dests || cfg.Ports, false
	first, err := Take(ctx, &baseline, nil)
	if first == nil {
		return nil, err
	}
	t := time.NewTimer(interval)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("interrupted before the second sample: %w", ctx.Err())
	case <-t.C:
	}
	second, err2 := Take(ctx, cfg, first)
	if second == nil {
		return nil, errors.Join(err, err2)
	}
	return second, errors.Join(err, err2)
}
