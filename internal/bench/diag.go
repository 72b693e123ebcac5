//go:build linux

package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// bareDumpArg runs the bare dump: only the inet_diag TCP dumps, both
// families, every state, read through a 32 KiB buffer and discarded. It is
// the floor any netlink-based lister pays.
const bareDumpArg = "-bare-dump"

// oneWalkArg, after bareDumpArg, makes it one TCPDIAG_GETSOCK dump of
// both families, one walk of the kernel's tables, as conntab asks.
const oneWalkArg = "one-walk"

const (
	sockDiagByFamily = 20 // SOCK_DIAG_BY_FAMILY
	tcpDiagGetSock   = 18 // TCPDIAG_GETSOCK
	// inetDiagReqV1Len is sizeof(struct inet_diag_req): family, src_len,
	// dst_len, ext, a 48-byte inet_diag_sockid, states, dbug.
	inetDiagReqV1Len = 60
	// inetDiagReqLen is sizeof(struct inet_diag_req_v2): family, protocol,
	// ext, pad, states (u32), and a 48-byte inet_diag_sockid.
	inetDiagReqLen = 56
	// inetDiagMsgLen is sizeof(struct inet_diag_msg).
	inetDiagMsgLen = 72
	allStates      = ^uint32(0)
)

// inetDiagReq encodes struct inet_diag_req_v2 asking for every socket of
// family and protocol in the given states.
func inetDiagReq(family, protocol uint8, states uint32) []byte {
	b := make([]byte, inetDiagReqLen)
	b[0], b[1] = family, protocol
	binary.NativeEndian.PutUint32(b[4:8], states)
	return b
}

// dialDiag opens a sock_diag socket in the calling thread's namespace.
func dialDiag() (*netlink.Conn, error) {
	c, err := netlink.Dial(unix.NETLINK_SOCK_DIAG, &netlink.Config{MessageBufferSize: 32 << 10})
	if err != nil {
		return nil, fmt.Errorf("netlink sock_diag: %w", err)
	}
	return c, nil
}

// dump asks for every socket of family and protocol and hands each
// message's payload to fn.
func dump(c *netlink.Conn, family, protocol uint8, fn func(data []byte) error) error {
	return dumpReq(c, netlink.Message{
		Header: netlink.Header{Type: sockDiagByFamily, Flags: netlink.Request | netlink.Dump},
		Data:   inetDiagReq(family, protocol, allStates),
	}, fn)
}

// dumpOneWalk asks for every TCP socket of both families in one
// TCPDIAG_GETSOCK request, which the kernel answers with one walk of its
// tables (the family in the request is ignored).
func dumpOneWalk(c *netlink.Conn, fn func(data []byte) error) error {
	req := make([]byte, inetDiagReqV1Len)
	binary.NativeEndian.PutUint32(req[52:56], allStates)
	return dumpReq(c, netlink.Message{
		Header: netlink.Header{Type: tcpDiagGetSock, Flags: netlink.Request | netlink.Dump},
		Data:   req,
	}, fn)
}

func dumpReq(c *netlink.Conn, req netlink.Message, fn func(data []byte) error) error {
	if _, err := c.Send(req); err != nil {
		return fmt.Errorf("inet_diag request: %w", err)
	}
	var fnErr error
	for m, err := range c.ReceiveIter() {
		if err != nil {
			return fmt.Errorf("inet_diag dump: %w", err)
		}
		if fnErr == nil {
			fnErr = fn(m.Data)
		}
	}
	return fnErr
}

// errShortMsg: a dump message too short for struct inet_diag_msg.
var errShortMsg = errors.New("bench: inet_diag message shorter than 72 bytes")

// diagState is the kernel state of one inet_diag_msg.
func diagState(b []byte) (uint8, error) {
	if len(b) < inetDiagMsgLen {
		return 0, fmt.Errorf("%w: %d bytes", errShortMsg, len(b))
	}
	return b[1], nil
}

func bareDumpMain(args []string) int {
	oneWalk := len(args) == 1 && args[0] == oneWalkArg
	if len(args) != 0 && !oneWalk {
		fmt.Fprintf(os.Stderr, "bench %s: unexpected arguments %q\n", bareDumpArg, args)
		return 2
	}
	c, err := dialDiag()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer c.Close()
	var msgs, bytes int
	count := func(b []byte) error {
		msgs++
		bytes += len(b)
		return nil
	}
	if oneWalk {
		err = dumpOneWalk(c, count)
	} else {
		for _, family := range []uint8{unix.AF_INET, unix.AF_INET6} {
			if err = dump(c, family, unix.IPPROTO_TCP, count); err != nil {
				break
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	fmt.Printf("%d sockets, %d bytes\n", msgs, bytes)
	return 0
}
