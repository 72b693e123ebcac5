package main

import (
	"context"
	"errors"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/conntab/conntab/cli"
)

// The commands that only print never catch signals (catching them costs
// threads at start-up); a command that uses the context is cancelled by
// SIGTERM, and after release the signal is no longer caught.
func TestLazySignals(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"version"}, {"man"}, {"completion", "bash"}, {"help", "list"}} {
		l := new(cli.LazySignals)
		if err := run(l, args, io.Discard, io.Discard); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		if l.Caught() {
			t.Errorf("conntab %q caught signals", args)
		}
		l.Release()
	}

	l := new(cli.LazySignals)
	ctx, cancel := context.WithTimeout(l, time.Minute) // as a command derives its own
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

	unused := new(cli.LazySignals)
	unused.Release()
	if unused.Caught() {
		t.Error("signals caught after release")
	}
}
