//go:build linux && (amd64 || arm64)

package bpfevents

import (
	"errors"
	"os"
	"testing"
	"time"
)

// TestLostCounted: with a one-page ring buffer and nobody reading, the
// records that find it full are counted, per kind, and what did fit is
// read whole.
func TestLostCounted(t *testing.T) {
	ns := requireNS(t)
	listen(t, ns, portA)
	tr, err := Open(Options{NetNS: uint32(ns.Inode()), RingBytes: os.Getpagesize()})
	if errors.Is(err, ErrUnavailable) {
		t.Skipf("needs eBPF (root, BTF, tp_btf): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	const conns = 100 // 6 state changes each: 2 per end opening, 1 per end on the reset
	err = ns.Do(func() error {
		for range conns {
			fd, err := dial(portA)
			if err != nil {
				return err
			}
			if err := reset(fd); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	read := 0
	for {
		tr.SetDeadline(time.Now().Add(300 * time.Millisecond))
		if _, err := tr.Read(); err != nil {
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatal(err)
			}
			break
		}
		read++
	}
	lost, err := tr.Lost()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("read %d records, lost %+v", read, lost)
	// A page holds 4096/(112+8) = 34 records.
	if read == 0 || read > 34 || lost.State == 0 || lost.ConnectError != 0 || lost.BindError != 0 {
		t.Errorf("read %d, lost %+v: want at most 34 read and state changes lost", read, lost)
	}
	if uint64(read)+lost.Total() != 6*conns {
		t.Errorf("read %d and lost %d of %d state changes", read, lost.Total(), 6*conns)
	}
}
