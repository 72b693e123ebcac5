//go:build linux && (amd64 || arm64)

package bpfevents

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/internal/nstest"
)

// cpuTime is the CPU time (user and system) used by this process
// (unix.RUSAGE_SELF) or the calling thread (unix.RUSAGE_THREAD).
func cpuTime(b *testing.B, who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// traced runs fn with the programs attached (and read, as a caller
// would) or not, and reports CPU time per operation, which a shared
// host's other load does not stretch as it does wall time: the calling
// thread's ("client-cpu-ns/op": the programs run in its syscalls, and in
// the softirqs they raise on loopback) and the whole process's, which
// adds the reader, decoding every record, and the listener.
func traced(b *testing.B, ns *nstest.NS, opts *Options, fn func() error) {
	if opts != nil {
		opts.NetNS = uint32(ns.Inode())
		tr, err := Open(*opts)
		if errors.Is(err, ErrUnavailable) {
			b.Skip(err)
		}
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				if _, err := tr.Read(); errors.Is(err, os.ErrClosed) {
					return
				}
			}
		}()
		defer func() { tr.Close(); <-done }()
	}
	err := ns.Do(func() error {
		start, thread := cpuTime(b, unix.RUSAGE_SELF), cpuTime(b, unix.RUSAGE_THREAD)
		b.ResetTimer()
		for b.Loop() {
			if err := fn(); err != nil {
				return err
			}
		}
		b.ReportMetric(float64(cpuTime(b, unix.RUSAGE_THREAD)-thread)/float64(b.N), "client-cpu-ns/op")
		b.ReportMetric(float64(cpuTime(b, unix.RUSAGE_SELF)-start)/float64(b.N), "cpu-ns/op")
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// modes are the benchmarks' runs: without the programs, with them and a
// wakeup per record, and with state changes read in batches.
var modes = []struct {
	name string
	opts *Options
}{
	{"bare", nil},
	{"traced", &Options{}},
	{"batched", &Options{Latency: 100 * time.Millisecond}},
}

// BenchmarkConnect: a connect() and a reset close on loopback, the
// client's cost with and without the programs (the state changes of both
// ends and the port search pass through them).
func BenchmarkConnect(b *testing.B) {
	for _, tc := range modes {
		b.Run(tc.name, func(b *testing.B) {
			ns := nstest.Require(b)
			l, err := ns.Listen("tcp", "127.0.0.1:8001")
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			go func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					c.Close()
				}
			}()
			traced(b, ns, tc.opts, func() error {
				fd, err := dial(portA)
				if err != nil {
					return err
				}
				return reset(fd)
			})
		})
	}
}

// BenchmarkSyscall: what the sys_exit program costs a syscall that is
// neither connect() nor bind().
func BenchmarkSyscall(b *testing.B) {
	for _, tc := range modes {
		b.Run(tc.name, func(b *testing.B) {
			ns := nstest.Require(b)
			traced(b, ns, tc.opts, func() error {
				unix.Getppid()
				return nil
			})
		})
	}
}
