package collect

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// errEmptyReply: recvmsg on the netlink socket returned nothing.
var errEmptyReply = errors.New("netlink: empty reply")

// receiveRaw receives a dump's replies from rc into buffers taken from
// free and passes each on full, up to the one that ends the dump.
func receiveRaw(rc syscall.RawConn, full, free chan []byte) error {
	for {
		b := <-free
		var n, flags int
		var err error
		readErr := rc.Read(func(fd uintptr) bool {
			n, _, flags, _, err = unix.Recvmsg(int(fd), b, nil, 0)
			return err != unix.EAGAIN
		})
		switch {
		case readErr != nil:
			return readErr
		case err != nil:
			return err
		case flags&unix.MSG_TRUNC != 0:
			return fmt.Errorf("%w: a reply longer than %d bytes", errFrame, len(b))
		case n == 0:
			return errEmptyReply
		}
		full <- b[:n]
		if lastFrame(b[:n]) {
			return nil
		}
	}
}
