//go:build linux

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A timed run is traced (ptrace) for one reason: to read the command's
// peak resident set, VmHWM, from /proc/PID/status when it exits
// (PTRACE_EVENT_EXIT stops it while its memory is still mapped). wait4's
// ru_maxrss cannot say it for a small program: Go starts a child with
// vfork (CLONE_VM), and exec records the parent's peak in the child's
// ru_maxrss, so a command started by the spawner never shows less than
// the spawner's own peak (about 7 MiB; `true` showed it). VmHWM belongs
// to the memory exec made, so it is the command's own.
//
// The tracer stops the command twice (after exec, at exit) and at every
// signal sent to its main thread (the Go runtime's preemption signal in
// Go programs), each for a few microseconds; no system call is traced.

// errNoHWM says the exit stop came without a VmHWM to read.
var errNoHWM = errors.New("bench: no VmHWM at the command's exit")

// tracedRun runs argv[0] (an absolute path) with standard input and output
// on null and standard error to errFile, and measures it: wall time from
// before the fork to after the last wait, CPU time and ru_maxrss from
// wait4's rusage, VmHWM at exit. It must run on a locked OS thread: the
// tracer is that thread.
func tracedRun(argv []string, null, errFile *os.File, timeout time.Duration) spawnResult {
	if _, err := errFile.Seek(0, io.SeekStart); err == nil {
		errFile.Truncate(0)
	}
	attr := &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{null.Fd(), null.Fd(), errFile.Fd()},
		Sys:   &syscall.SysProcAttr{Ptrace: true, Pdeathsig: syscall.SIGKILL},
	}
	start := time.Now()
	pid, err := syscall.ForkExec(argv[0], argv, attr)
	if err != nil {
		return spawnResult{Err: oneLine(fmt.Errorf("%s: %w", strings.Join(argv, " "), err))}
	}
	kill := time.AfterFunc(timeout, func() { unix.Kill(pid, unix.SIGKILL) })
	defer kill.Stop()
	res, ws, err := traceToExit(pid)
	res.Wall = time.Since(start)
	switch {
	case err != nil:
		res.Err = oneLine(fmt.Errorf("%s: %w", strings.Join(argv, " "), err))
	case !ws.Exited() || ws.ExitStatus() != 0:
		msg, _ := os.ReadFile(errFile.Name())
		res.Err = oneLine(fmt.Errorf("%s: %s: %s", strings.Join(argv, " "), describeWait(ws), clip(string(msg), 300)))
	case res.HWM == 0:
		res.Err = oneLine(fmt.Errorf("%s: %w", strings.Join(argv, " "), errNoHWM))
	}
	return res
}

// traceToExit follows a child started with PTRACE_TRACEME until it exits:
// it asks for the exit stop at the first (exec) stop, reads VmHWM at the
// exit stop, and hands every other signal on.
func traceToExit(pid int) (spawnResult, unix.WaitStatus, error) {
	var res spawnResult
	var ws unix.WaitStatus
	var ru unix.Rusage
	first := true
	for {
		if _, err := unix.Wait4(pid, &ws, 0, &ru); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return res, ws, fmt.Errorf("wait4: %w", err)
		}
		if ws.Exited() || ws.Signaled() {
			res.User = time.Duration(ru.Utime.Nano())
			res.Sys = time.Duration(ru.Stime.Nano())
			res.MaxRSS = ru.Maxrss
			return res, ws, nil
		}
		if !ws.Stopped() {
			continue
		}
		sig := 0
		switch {
		case first && ws.StopSignal() == unix.SIGTRAP:
			first = false
			if err := unix.PtraceSetOptions(pid, unix.PTRACE_O_TRACEEXIT|unix.PTRACE_O_EXITKILL); err != nil {
				unix.Kill(pid, unix.SIGKILL)
				return res, ws, fmt.Errorf("ptrace: %w", err)
			}
		case ws.StopSignal() == unix.SIGTRAP && ws.TrapCause() == unix.PTRACE_EVENT_EXIT:
			if st, err := readStatus(pid); err == nil {
				res.HWM = st["VmHWM"]
			}
		default:
			sig = int(ws.StopSignal())
		}
		if err := unix.PtraceCont(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			return res, ws, fmt.Errorf("ptrace: %w", err)
		}
	}
}

// describeWait says how a process ended.
func describeWait(ws unix.WaitStatus) string {
	if ws.Signaled() {
		return "killed by " + ws.Signal().String()
	}
	return fmt.Sprintf("exit status %d", ws.ExitStatus())
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
