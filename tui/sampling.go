package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/conntab/conntab/sample"
)

// sampleMsg carries a sample taken off the UI goroutine.
type sampleMsg struct {
	sample *sample.Sample
	err    error
}

// tickMsg says the interval has passed.
type tickMsg struct{}

// loop is the sampling loop's state. A tick starts a sample unless one is
// under way (a Collector reads one snapshot at a time) or the user
// paused; the sample's arrival starts the next tick, so the interval
// runs from one sample's arrival to the next one's start.
type loop struct {
	ctx              context.Context
	cfg              sample.Config
	interval         time.Duration
	inflight, paused bool
	// err is what went wrong taking the last sample.
	err error
	// memoryLimit is Config.MemoryLimit.
	memoryLimit int64
}

// take returns the command that takes the sample after prev. sample.Take
// only reads prev, which no Update changes, so it is safe off the UI
// goroutine.
func (l *loop) take(prev *sample.Sample) tea.Cmd {
	l.inflight = true
	ctx, cfg, limit := l.ctx, l.cfg, l.memoryLimit
	return func() tea.Msg {
		s, err := sample.Take(ctx, &cfg, prev)
		raiseMemoryLimit(limit)
		return sampleMsg{sample: s, err: err}
	}
}

// tick returns the command that says when the interval has passed.
func (l *loop) tick() tea.Cmd {
	return tea.Tick(l.interval, func(time.Time) tea.Msg { return tickMsg{} })
}
