package collect

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
)

// Netlink message types every family shares (linux/netlink.h).
const (
	nlmsgError = 2
	nlmsgDone  = 3
)

// nlmsgHeaderLen is sizeof(struct nlmsghdr).
const nlmsgHeaderLen = 16

// errFrame: a reply whose netlink framing is broken.
var errFrame = errors.New("malformed netlink message")

// nextFrame splits the first netlink message off b, one datagram of a
// dump's replies: its type, its payload, and the bytes after it (padded
// to 4). A header whose length does not fit what is left is an error
// quoting the header's first bytes.
func nextFrame(b []byte) (typ uint16, payload, rest []byte, err error) {
	if len(b) < nlmsgHeaderLen {
		return 0, nil, nil, fmt.Errorf("%w: %d bytes left, a header takes %d (% x)", errFrame, len(b), nlmsgHeaderLen, b)
	}
	n := int(binary.NativeEndian.Uint32(b))
	if n < nlmsgHeaderLen || n > len(b) {
		return 0, nil, nil, fmt.Errorf("%w: length %d, %d bytes left (% x)", errFrame, n, len(b), b[:nlmsgHeaderLen])
	}
	typ = binary.NativeEndian.Uint16(b[4:])
	return typ, b[nlmsgHeaderLen:n], b[min(nlmsgAlign(n), len(b)):], nil
}

// frameErrno is the error an NLMSG_ERROR or NLMSG_DONE payload carries
// (a negative errno first), nil for none (an acknowledgement, or a dump
// that ended well).
func frameErrno(payload []byte) error {
	if len(payload) < 4 {
		return nil // NLMSG_DONE without its status: kernels before 2.6.x
	}
	if code := int32(binary.NativeEndian.Uint32(payload)); code < 0 {
		return syscall.Errno(-code)
	}
	return nil
}

// lastFrame reports whether the datagram b ends the dump (it holds its
// NLMSG_DONE or an error), or breaks it: then nothing after it is read.
func lastFrame(b []byte) bool {
	for len(b) > 0 {
		typ, payload, rest, err := nextFrame(b)
		if err != nil || typ == nlmsgDone || typ == nlmsgError && frameErrno(payload) != nil {
			return true
		}
		b = rest
	}
	return false
}
