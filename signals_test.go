package main

import (
	"io"
	"testing"

	"github.com/conntab/conntab/cli"
)

// The commands that only print never catch signals: catching them costs
// threads at start-up.
func TestLazySignalsUnused(t *testing.T) {
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
}
