package collect

// The errors a netlink dump reports carry Linux's errno numbers, which
// golang.org/x/sys/unix names on Linux alone.

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

func TestDumpInetDiagRefused(t *testing.T) {
	for _, errno := range []unix.Errno{unix.EPERM, unix.ENOENT, unix.EPROTONOSUPPORT} {
		t.Run(errno.Error(), func(t *testing.T) {
			conn := nltest.Dial(func(req []netlink.Message) ([]netlink.Message, error) {
				// struct nlmsgerr: the negative errno, then the request's header.
				data := binary.NativeEndian.AppendUint32(nil, uint32(-int32(errno)))
				data = append(data, make([]byte, 16)...)
				return []netlink.Message{{Header: netlink.Header{Type: netlink.Error}, Data: data}}, nil
			})
			defer conn.Close()
			err := dumpInetDiag(context.Background(), conn, dumpJob{proto: model.ProtoUDP, family: model.FamilyInet, mask: 0x82}, newDumpResult(0))
			if !errors.Is(err, errno) || !refused(err) {
				t.Fatalf("err = %v, want %v, and refused", err, errno)
			}
		})
	}
}
