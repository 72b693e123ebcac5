//go:build linux

package main

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// allocArg makes the test binary touch allocMiB MiB and exit: a command of
// known peak RSS for the traced runs (see TestMain).
const (
	allocArg = "-alloc"
	allocMiB = 64
)

func allocMain() int {
	b := make([]byte, allocMiB<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	runtime.KeepAlive(b)
	return 0
}

// tracedOnce runs argv traced, from a locked thread as the spawner does.
func tracedOnce(t *testing.T, argv ...string) spawnResult {
	t.Helper()
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	errFile, err := os.CreateTemp(t.TempDir(), "stderr-")
	if err != nil {
		t.Fatal(err)
	}
	defer errFile.Close()
	done := make(chan spawnResult)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		done <- tracedRun(argv, null, errFile, time.Minute)
	}()
	return <-done
}

func TestTracedRunPeakRSS(t *testing.T) {
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Skip(err)
	}
	// This test process is far larger than true: true's ru_maxrss shows
	// it (the vfork floor), its VmHWM does not.
	res := tracedOnce(t, truePath)
	if res.Err != "" {
		t.Fatal(res.Err)
	}
	if res.HWM <= 0 || res.HWM >= res.MaxRSS || res.Wall <= 0 {
		t.Errorf("true: VmHWM %d KiB, ru_maxrss %d KiB, wall %v; want 0 < VmHWM < ru_maxrss, a wall time", res.HWM, res.MaxRSS, res.Wall)
	}

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	res = tracedOnce(t, self, allocArg)
	if res.Err != "" {
		t.Fatal(res.Err)
	}
	if res.HWM < allocMiB<<10 || res.HWM > 4*allocMiB<<10 {
		t.Errorf("touching %d MiB: VmHWM %d KiB, want at least %d", allocMiB, res.HWM, allocMiB<<10)
	}
	if res.User+res.Sys <= 0 {
		t.Errorf("touching %d MiB: CPU time %v + %v, want some", allocMiB, res.User, res.Sys)
	}
}

func TestTracedRunFailure(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip(err)
	}
	res := tracedOnce(t, sh, "-c", "echo broken >&2; exit 3")
	if !strings.Contains(res.Err, "exit status 3") || !strings.Contains(res.Err, "broken") {
		t.Errorf("exit 3: Err = %q, want the status and the standard error", res.Err)
	}
	res = tracedOnce(t, sh, "-c", "kill -TERM $$")
	if !strings.Contains(res.Err, "killed by terminated") {
		t.Errorf("killed: Err = %q, want \"killed by terminated\"", res.Err)
	}
	res = tracedOnce(t, "/nonexistent/command")
	if res.Err == "" {
		t.Error("a missing command: no error")
	}
}
