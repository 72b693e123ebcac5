//go:build linux

package collect

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/internal/nstest"
)

// startWithoutPtrace starts cmd as root without CAP_SYS_PTRACE: from a
// thread of its own that drops the capability from its bounding set, so
// that the program it executes, root as it is, never has it. The thread
// is never handed back (its goroutine ends locked), and the runtime
// retires it.
func startWithoutPtrace(cmd *exec.Cmd) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, unix.CAP_SYS_PTRACE, 0, 0, 0); err != nil {
			done <- err
			return
		}
		done <- cmd.Start()
	}()
	return <-done
}

// TestReadOwnersHiddenFromRoot is root refused: a walk as uid 0 without
// CAP_SYS_PTRACE may list this test's descriptors (root passes the
// directory's mode) but not read them, as a security module or a user
// namespace refuses root. The processes are counted hidden, and why is
// kept: the errno and the file that answered it, for the printer to say
// (conntab list -lp told root to "run as root").
func TestReadOwnersHiddenFromRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	ns := nstest.Require(t)
	l, err := ns.ListenPacket("udp4", "127.0.0.1:7301")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	parentIno := inodeOf(t, l.(*net.UDPConn))

	_, line := startHelperWith(t, startWithoutPtrace, "walk", nil,
		"CONNTAB_OWNERS_PARENT_INODE="+strconv.FormatUint(parentIno, 10))
	var r helperWalkResult
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("helper: %q: %v", line, err)
	}
	t.Logf("hidden %d, first: %s (%s)", r.Hidden, r.HiddenErr, r.HiddenErrno)
	if r.Err != "" {
		t.Errorf("walk as root without CAP_SYS_PTRACE: %s", r.Err)
	}
	// This process, which has CAP_SYS_PTRACE, is out of the helper's reach.
	if r.Hidden < 1 || len(r.Parent) != 0 {
		t.Fatalf("Hidden = %d, owners of this test's socket %+v: want this process hidden", r.Hidden, r.Parent)
	}
	if r.HiddenErrno != "EACCES" && r.HiddenErrno != "EPERM" {
		t.Errorf("HiddenErr = %q (errno %q), want EACCES or EPERM", r.HiddenErr, r.HiddenErrno)
	}
	if !strings.HasPrefix(r.HiddenErr, "read /proc/") {
		t.Errorf("HiddenErr = %q, want the file that refused, under /proc", r.HiddenErr)
	}
	if len(r.Own) != 1 || r.Own[0].PID != int32(r.PID) {
		t.Errorf("the helper's own socket %d: owners %+v, want pid %d", r.Inode, r.Own, r.PID)
	}
}
