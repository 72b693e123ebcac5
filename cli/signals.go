package cli

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// LazySignals is the context main gives every command: cancelled by
// SIGINT or SIGTERM, as signal.NotifyContext makes it, but made, and the
// signals caught, only when a command first uses it. Catching signals
// starts the runtime's signal loop, which cost `conntab help` two more
// threads and as much CPU as the rest of its work; help, version,
// completion and man never look at the context, so they never pay. The
// others use it before they wait on anything (a collection, the
// dashboard, serve's check of -N); until then a signal has its default
// effect and ends conntab, as it ends ss.
type LazySignals struct {
	once sync.Once
	ctx  context.Context
	stop context.CancelFunc
}

// Caught reports whether the signals were caught: a command used the
// context.
func (l *LazySignals) Caught() bool { return l.ctx != nil }

func (l *LazySignals) get() context.Context {
	l.once.Do(func() {
		l.ctx, l.stop = signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	})
	return l.ctx
}

func (l *LazySignals) Deadline() (time.Time, bool) { return l.get().Deadline() }
func (l *LazySignals) Done() <-chan struct{}       { return l.get().Done() }
func (l *LazySignals) Err() error                  { return l.get().Err() }
func (l *LazySignals) Value(key any) any           { return l.get().Value(key) }

// Release stops catching the signals, if they were caught, and keeps
// them from being caught after.
func (l *LazySignals) Release() {
	l.once.Do(func() {})
	if l.stop != nil {
		l.stop()
	}
}
