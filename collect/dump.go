package collect

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/mdlayher/netlink"

	"github.com/conntab/conntab/model"
)

// recvBuffer is the userspace buffer one recvmsg fills, as ss uses. The
// kernel never fills more than 32 KiB into one dump reply anyway.
const recvBuffer = 32 << 10

// dumpJob is one inet_diag dump: one protocol, one family or (family 0,
// TCP only) both in one walk, some states.
type dumpJob struct {
	proto  model.Proto
	family model.Family
	mask   uint32
}

// where names the job in errors: "netlink tcp/inet", or "netlink tcp"
// for both families.
func (j dumpJob) where() string {
	if j.family == 0 {
		return "netlink " + j.proto.String()
	}
	return "netlink " + j.proto.String() + "/" + j.family.String()
}

// request is the job's netlink request: TCPDIAG_GETSOCK for both
// families, SOCK_DIAG_BY_FAMILY for one.
func (j dumpJob) request() netlink.Message {
	m := netlink.Message{Header: netlink.Header{Type: sockDiagByFamily, Flags: netlink.Request | netlink.Dump}}
	if j.family == 0 {
		m.Header.Type, m.Data = tcpDiagGetSock, tcpDiagRequest(j.mask)
	} else {
		m.Data = inetDiagRequest(j.family, j.proto, j.mask)
	}
	return m
}

// sink takes a dump's sockets in the kernel's order.
type sink interface {
	// add takes one decoded socket; s is reused after it returns.
	add(s *model.Socket)
	// fail records a message or stream that could not be decoded.
	fail(err error)
	// stopped reports an error that ends the dump early (the writer of a
	// streamed listing went away), nil while the sink takes sockets.
	stopped() error
}

// chunkLen is how many messages the receiving goroutine hands the decoding
// one at a time: about a reply's worth.
const chunkLen = 256

// dumpInetDiag runs job on conn and hands what it decodes to out. Two
// goroutines share the work: one receives (the kernel fills each reply
// inside recvmsg, on that goroutine's core), the caller decodes the reply
// before, so reading the kernel's tables and decoding them overlap. The
// messages' data stays valid: the library copies each datagram into a
// buffer of its own. A message that does not decode is reported with its
// offset in the reply stream and skipped; the dump goes on. A netlink
// error (the kernel refusing) is returned as it is, so the caller can fall
// back.
func dumpInetDiag(ctx context.Context, conn *netlink.Conn, job dumpJob, out sink) error {
	// Deadlines are best effort: a test connection has none, and a real
	// one always accepts them.
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetReadDeadline(deadline)
	}
	abort := func() { _ = conn.SetReadDeadline(time.Unix(1, 0)) }
	stop := context.AfterFunc(ctx, abort)
	defer stop()
	req := job.request()
	if _, err := conn.Send(req); err != nil {
		return fmt.Errorf("netlink sock_diag request %s: %w", job.where()[len("netlink "):], err)
	}
	if rc, err := conn.SyscallConn(); err == nil {
		return dumpRaw(ctx, rc, job, uint16(req.Header.Type), out, abort)
	}
	// A connection without a socket of its own (a test's): the library
	// receives.
	chunks, free := make(chan []netlink.Message, 4), make(chan []netlink.Message, 4)
	var recvErr error
	go func() {
		defer close(chunks)
		recvErr = receiveChunks(conn, chunks, free)
	}()
	var offset int64
	var s model.Socket
	for chunk := range chunks {
		if out.stopped() == nil {
			offset = decodeChunk(chunk, job, req.Header.Type, offset, &s, out)
			if out.stopped() != nil {
				abort() // the receiver ends at its next read; the chunks drain
			}
		}
		select {
		case free <- chunk[:0]:
		default:
		}
	}
	if err := out.stopped(); err != nil {
		return err
	}
	return dumpError(ctx, recvErr, job, offset, out)
}

// receiveChunks receives a dump's messages from conn and passes them on
// in chunks of chunkLen, taking empty chunks from free when it has them.
func receiveChunks(conn *netlink.Conn, chunks, free chan []netlink.Message) error {
	chunk := make([]netlink.Message, 0, chunkLen)
	for m, err := range conn.ReceiveIter() {
		if err != nil {
			if len(chunk) > 0 {
				chunks <- chunk
			}
			return err
		}
		chunk = append(chunk, m)
		if len(chunk) < chunkLen {
			continue
		}
		chunks <- chunk
		select {
		case chunk = <-free:
		default:
			chunk = make([]netlink.Message, 0, chunkLen)
		}
	}
	if len(chunk) > 0 {
		chunks <- chunk
	}
	return nil
}

// decodeChunk decodes the messages of chunk into out and returns the
// offset in the reply stream after them.
func decodeChunk(chunk []netlink.Message, job dumpJob, typ netlink.HeaderType, offset int64, s *model.Socket, out sink) int64 {
	for i := range chunk {
		m := &chunk[i]
		if m.Header.Type != typ {
			out.fail(&DecodeError{Where: job.where(), Offset: offset, Err: fmt.Errorf("%w %d", errMessageType, m.Header.Type)})
		} else if err := decodeInetDiag(m.Data, job.proto, s); err != nil {
			out.fail(&DecodeError{Where: job.where(), Offset: offset, Err: err})
		} else {
			out.add(s)
		}
		offset += int64(nlmsgAlign(16 + len(m.Data)))
	}
	return offset
}

// dumpError is what a dump that ended with the receiver's error err
// returns: the context's error, a refusal or deadline as an error, or, for
// a malformed stream, nothing but a decoding error recorded in out:
// nothing after it can be trusted, and what came before stands.
func dumpError(ctx context.Context, err error, job dumpJob, offset int64, out sink) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var errno syscall.Errno
	if errors.As(err, &errno) || errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("netlink sock_diag %s: %w", job.where()[len("netlink "):], err)
	}
	out.fail(&DecodeError{Where: job.where(), Offset: offset, Err: err})
	return nil
}
