package collect

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/mdlayher/netlink"

	"github.com/conntab/conntab/model"
)

// TCPInfo asks the kernel for the tcp_info and congestion control of the
// one socket s, as a snapshot of this Collector listed it: one sock_diag
// request for exactly that socket (by its addresses, ports and cookie), in
// the Collector's network namespace.
//
// A socket that no longer exists, or whose addresses a newer socket now
// holds, is ErrGone. UDP sockets, TIME_WAIT and SYN_RECV sockets, and
// every socket when the source is /proc (ModeProc), are ErrNoInfo. A
// refused request (EPERM, a sandbox) is returned wrapped, matchable.
func (c *Collector) TCPInfo(ctx context.Context, s model.Socket) (model.TCPInfo, error) {
	name := tcpInfoName(&s)
	switch {
	case c.cfg.Mode == ModeProc:
		return model.TCPInfo{}, fmt.Errorf("%w: %s: the /proc source has none; it is read over netlink sock_diag (source auto or netlink)", ErrNoInfo, name)
	case s.Proto != model.ProtoTCP:
		return model.TCPInfo{}, fmt.Errorf("%w: %s: only TCP sockets have it", ErrNoInfo, name)
	}
	req, err := tcpInfoRequest(&s)
	if err != nil {
		return model.TCPInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return model.TCPInfo{}, err
	}
	var info model.TCPInfo
	err = withNetNS(c.cfg.NetNS, func() error {
		conn, err := c.dial()
		if err != nil {
			return fmt.Errorf("netlink sock_diag: %w", err)
		}
		defer conn.Close()
		info, err = askTCPInfo(ctx, conn, req, name)
		if !errors.Is(err, ErrGone) {
			return err
		}
		// A socket bound to a device (SO_BINDTODEVICE, a VRF) is found
		// only when the request names its interface, which snapshots do
		// not keep: ask again naming each of the namespace's interfaces
		// (net.Interfaces reads those of this thread's namespace).
		ifs, _ := net.Interfaces()
		for _, ifc := range ifs {
			binary.NativeEndian.PutUint32(req[44:], uint32(ifc.Index))
			bound, berr := askTCPInfo(ctx, conn, req, name)
			if !errors.Is(berr, ErrGone) {
				info = bound
				return berr
			}
		}
		return err
	})
	return info, err
}

// askTCPInfo sends one request (not a dump) and decodes the one reply.
func askTCPInfo(ctx context.Context, conn *netlink.Conn, req []byte, name string) (model.TCPInfo, error) {
	// Deadlines are best effort, as in dumpInetDiag.
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetReadDeadline(deadline)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()

	msgs, err := conn.Execute(netlink.Message{
		Header: netlink.Header{Type: sockDiagByFamily, Flags: netlink.Request},
		Data:   req,
	})
	switch {
	case ctx.Err() != nil:
		return model.TCPInfo{}, ctx.Err()
	case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ESTALE):
		// No socket on these addresses, or one with another cookie: a
		// newer socket took them. Older kernels told the second
		// with ESTALE; current ones say ENOENT for both.
		return model.TCPInfo{}, fmt.Errorf("%w: %s: %w", ErrGone, name, err)
	case err != nil:
		return model.TCPInfo{}, fmt.Errorf("tcp_info for %s: %w", name, err)
	}
	for _, m := range msgs {
		if m.Header.Type == sockDiagByFamily {
			return decodeTCPInfoReply(m.Data, name)
		}
	}
	return model.TCPInfo{}, fmt.Errorf("%w: tcp_info for %s: no reply among %d messages", ErrDecode, name, len(msgs))
}
