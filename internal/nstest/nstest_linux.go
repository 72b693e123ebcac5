package nstest

import (
	"fmt"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// Create makes a new, empty network namespace with lo up. The caller's
// threads stay where they were.
func Create() (*NS, error) {
	type result struct {
		f   *os.File
		err error
	}
	done := make(chan result, 1)
	go func() {
		// The goroutine owns its thread for the whole dance; if the way back
		// fails, it exits still locked and the runtime retires the thread.
		runtime.LockOSThread()
		f, back, err := unshareNet()
		if back {
			runtime.UnlockOSThread()
		}
		done <- result{f, err}
	}()
	r := <-done
	if r.err != nil {
		return nil, r.err
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(r.f.Fd()), &st); err != nil {
		r.f.Close()
		return nil, fmt.Errorf("nstest: stat new namespace: %w", err)
	}
	ns := &NS{f: r.f, ino: st.Ino}
	if err := ns.Do(loUp); err != nil {
		ns.Close()
		return nil, err
	}
	return ns, nil
}

// unshareNet moves the locked calling thread into a new network namespace,
// opens it, and moves the thread back. back reports whether the thread is
// in its original namespace again.
func unshareNet() (f *os.File, back bool, err error) {
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return nil, true, fmt.Errorf("nstest: %w", err)
	}
	defer orig.Close()
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return nil, true, fmt.Errorf("%w: unshare(CLONE_NEWNET): %w", ErrUnshare, err)
	}
	f, err = os.Open("/proc/thread-self/ns/net")
	if serr := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); serr != nil {
		if f != nil {
			f.Close()
		}
		return nil, false, fmt.Errorf("nstest: returning to the original namespace: %w", serr)
	}
	if err != nil {
		return nil, true, fmt.Errorf("nstest: opening new namespace: %w", err)
	}
	return f, true, nil
}

// Do runs fn on an OS thread inside the namespace and returns its error.
// Sockets fn creates belong to the namespace for their whole life; so do
// child processes that fn starts (a child inherits the namespace of the
// thread that forks it). fn must not hand work that creates sockets to
// other goroutines: they run on other threads, outside.
func (ns *NS) Do(fn func() error) error {
	if ns.f == nil {
		return ErrClosed
	}
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		back, err := ns.do(fn)
		if back {
			runtime.UnlockOSThread()
		}
		// Otherwise the goroutine ends locked: the runtime kills the thread
		// rather than reuse it in the wrong namespace.
		done <- err
	}()
	return <-done
}

func (ns *NS) do(fn func() error) (back bool, err error) {
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return true, fmt.Errorf("nstest: %w", err)
	}
	defer orig.Close()
	if err := unix.Setns(int(ns.f.Fd()), unix.CLONE_NEWNET); err != nil {
		return true, fmt.Errorf("nstest: entering namespace: %w", err)
	}
	fnErr := fn()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		return false, fmt.Errorf("nstest: leaving namespace: %w", err)
	}
	return true, fnErr
}

// loUp brings the loopback interface up; a new namespace has it down.
func loUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("nstest: bringing lo up: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return fmt.Errorf("nstest: bringing lo up: %w", err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("nstest: bringing lo up: SIOCGIFFLAGS: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("nstest: bringing lo up: SIOCSIFFLAGS: %w", err)
	}
	return nil
}
