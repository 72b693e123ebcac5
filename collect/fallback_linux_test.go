package collect

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// refusingDial answers every sock_diag request with errno, as a kernel
// without inet_diag or a seccomp sandbox does.
func refusingDial(errno unix.Errno) func() (*netlink.Conn, error) {
	return func() (*netlink.Conn, error) {
		return nltest.Dial(func(req []netlink.Message) ([]netlink.Message, error) {
			data := binary.NativeEndian.AppendUint32(nil, uint32(-int32(errno)))
			data = append(data, make([]byte, 16)...)
			return []netlink.Message{{Header: netlink.Header{Type: netlink.Error}, Data: data}}, nil
		}), nil
	}
}

const capturedRoot = "../testdata/proc/captured"

func TestFallbackToProc(t *testing.T) {
	for _, errno := range []unix.Errno{unix.EPERM, unix.EACCES, unix.EPROTONOSUPPORT, unix.ENOENT} {
		t.Run(errno.Error(), func(t *testing.T) {
			var said []string
			c := New(Config{ProcRoot: capturedRoot, Notify: func(msg string) { said = append(said, msg) }})
			c.dial = refusingDial(errno)
			for range 2 {
				snap, err := c.Collect(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if snap.Source != model.SourceProc || len(snap.Sockets) == 0 {
					t.Fatalf("source %s with %d sockets, want the /proc fixture", snap.Source, len(snap.Sockets))
				}
			}
			if len(said) != 1 || !strings.Contains(said[0], "/proc") || !strings.Contains(said[0], errno.Error()) {
				t.Errorf("told %q, want one notice naming /proc and %q", said, errno.Error())
			}
		})
	}
}

func TestNoFallbackWhenForced(t *testing.T) {
	c := New(Config{Mode: ModeNetlink, ProcRoot: capturedRoot, Notify: func(msg string) { t.Errorf("told %q", msg) }})
	c.dial = refusingDial(unix.EPERM)
	if _, err := c.Collect(context.Background()); !errors.Is(err, unix.EPERM) {
		t.Fatalf("err = %v, want EPERM", err)
	}
}

// Any other failure is an error, not a reason to read /proc quietly.
func TestNoFallbackOnOtherErrors(t *testing.T) {
	c := New(Config{ProcRoot: capturedRoot, Notify: func(msg string) { t.Errorf("told %q", msg) }})
	c.dial = refusingDial(unix.EINVAL)
	if _, err := c.Collect(context.Background()); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("err = %v, want EINVAL", err)
	}
}
