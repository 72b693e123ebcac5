package collect

import (
	"context"
	"fmt"
	"syscall"

	"github.com/conntab/conntab/model"
)

// rawBuffers is how many reply buffers a dump read from the socket itself
// cycles through: the kernel fills one while the others are decoded.
const rawBuffers = 4

// dumpRaw reads a dump's replies from the netlink socket itself (rc),
// into rawBuffers buffers of recvBuffer bytes that go round between the
// receiving goroutine and this one: a dump of a million sockets allocates
// 128 KiB, where the library allocates a buffer a reply. What it reads
// is as dumpInetDiag describes; abort ends the receiving early.
func dumpRaw(ctx context.Context, rc syscall.RawConn, job dumpJob, typ uint16, out sink, abort func()) error {
	full, free := make(chan []byte, rawBuffers), make(chan []byte, rawBuffers)
	for range rawBuffers {
		free <- make([]byte, recvBuffer)
	}
	var recvErr error
	go func() {
		defer close(full)
		recvErr = receiveRaw(rc, full, free)
	}()
	var offset int64
	var endErr error
	ended := false
	var s model.Socket
	for b := range full {
		if !ended && out.stopped() == nil {
			offset, ended, endErr = decodeFrames(b, job, typ, offset, &s, out)
			if out.stopped() != nil {
				abort() // the receiver ends at its next read; the buffers drain
			}
		}
		free <- b[:cap(b)]
	}
	switch {
	case out.stopped() != nil:
		return out.stopped()
	case endErr != nil:
		return fmt.Errorf("netlink sock_diag %s: %w", job.where()[len("netlink "):], endErr)
	case ended:
		return nil
	}
	return dumpError(ctx, recvErr, job, offset, out)
}

// decodeFrames decodes the messages of one reply, b, into out. It returns
// the offset in the reply stream after them, whether the dump ended here
// (its NLMSG_DONE, an error, or broken framing, recorded in out), and the
// error the kernel ended it with.
func decodeFrames(b []byte, job dumpJob, typ uint16, offset int64, s *model.Socket, out sink) (_ int64, ended bool, _ error) {
	for len(b) > 0 {
		t, payload, rest, err := nextFrame(b)
		switch {
		case err != nil:
			out.fail(&DecodeError{Where: job.where(), Offset: offset, Err: err})
			return offset, true, nil
		case t == nlmsgDone:
			return offset, true, frameErrno(payload)
		case t == nlmsgError:
			if err := frameErrno(payload); err != nil {
				return offset, true, err
			}
		case t != typ:
			out.fail(&DecodeError{Where: job.where(), Offset: offset, Err: fmt.Errorf("%w %d", errMessageType, t)})
		default:
			if err := decodeInetDiag(payload, job.proto, s); err != nil {
				out.fail(&DecodeError{Where: job.where(), Offset: offset, Err: err})
			} else {
				out.add(s)
			}
		}
		offset += int64(len(b) - len(rest))
		b = rest
	}
	return offset, false, nil
}
