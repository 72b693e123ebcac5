//go:build unix

package cli

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

// A context derived from LazySignals, as a command derives its own,
// catches the signals, and SIGTERM cancels it; after Release nothing is
// caught.
func TestLazySignalsTerm(t *testing.T) {
	l := new(LazySignals)
	ctx, cancel := context.WithTimeout(l, time.Minute)
	defer cancel()
	if !l.Caught() || l.Err() != nil {
		t.Fatalf("a context derived from it: caught %v, Err %v", l.Caught(), l.Err())
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not cancel the context")
	}
	if !errors.Is(ctx.Err(), context.Canceled) || !errors.Is(l.Err(), context.Canceled) {
		t.Errorf("after SIGTERM: %v, %v", ctx.Err(), l.Err())
	}
	l.Release()

	unused := new(LazySignals)
	unused.Release()
	if unused.get() != nil || unused.Caught() {
		t.Error("signals caught after release")
	}
}
