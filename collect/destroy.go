package collect

import (
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"

	"github.com/conntab/conntab/model"
)

// The sock_diag multicast groups that carry a message for every socket the
// kernel frees (enum sknetlink_groups, linux/sock_diag.h), one per family
// and protocol. The kernel sends them from __sk_free, when a full socket's
// last reference goes: for TCP, when the connection enters TIME_WAIT (the
// minisocket that replaces it sends nothing) or CLOSE. Request sockets
// (SYN_RECV) and TIME_WAIT minisockets are no full sockets and send none.
const (
	groupInetTCPDestroy  = 1 // SKNLGRP_INET_TCP_DESTROY
	groupInetUDPDestroy  = 2 // SKNLGRP_INET_UDP_DESTROY
	groupInet6TCPDestroy = 3 // SKNLGRP_INET6_TCP_DESTROY
	groupInet6UDPDestroy = 4 // SKNLGRP_INET6_UDP_DESTROY
)

// inetDiagProtocol is INET_DIAG_PROTOCOL, the u8 attribute that says a
// destroy message's protocol (its inet_diag_msg does not).
const inetDiagProtocol = 10

// errDestroy marks a destroy message that does not decode.
var errDestroy = errors.New("malformed destroy message")

// destroyGroups are the groups that carry the destroy messages of protos
// and families.
func destroyGroups(protos []model.Proto, families []model.Family) []uint32 {
	var groups []uint32
	for _, f := range families {
		for _, p := range protos {
			switch {
			case f == model.FamilyInet && p == model.ProtoTCP:
				groups = append(groups, groupInetTCPDestroy)
			case f == model.FamilyInet && p == model.ProtoUDP:
				groups = append(groups, groupInetUDPDestroy)
			case f == model.FamilyInet6 && p == model.ProtoTCP:
				groups = append(groups, groupInet6TCPDestroy)
			case f == model.FamilyInet6 && p == model.ProtoUDP:
				groups = append(groups, groupInet6UDPDestroy)
			}
		}
	}
	return groups
}

// decodeDestroy decodes one destroy message's payload (what
// inet_diag_handler_get_info fills, net/ipv4/inet_diag.c): a struct
// inet_diag_msg with the family, the addresses and ports, the interface
// and the cookie (uid, inode, timer and expiry are zero: the socket
// belongs to no file any more), the queues, and idiag_state the socket's
// state as it was freed (CLOSE for TCP); then INET_DIAG_PROTOCOL and, for
// TCP, INET_DIAG_INFO: the connection's last struct tcp_info. info is nil
// when the message holds none (UDP).
func decodeDestroy(b []byte) (s model.Socket, info *model.TCPInfo, err error) {
	if len(b) < inetDiagMsgLen {
		return s, nil, fmt.Errorf("%w: %w: %d of %d bytes", errDestroy, errShort, len(b), inetDiagMsgLen)
	}
	ad, err := netlink.NewAttributeDecoder(b[inetDiagMsgLen:])
	if err != nil {
		return s, nil, fmt.Errorf("%w: %w", errDestroy, err)
	}
	var proto model.Proto
	var raw []byte
	for ad.Next() {
		switch ad.Type() {
		case inetDiagProtocol:
			if len(ad.Bytes()) != 1 {
				return s, nil, fmt.Errorf("%w: INET_DIAG_PROTOCOL of %d bytes", errDestroy, len(ad.Bytes()))
			}
			proto = model.Proto(ad.Bytes()[0])
		case inetDiagInfo:
			raw = ad.Bytes()
		}
	}
	if err := ad.Err(); err != nil {
		return s, nil, fmt.Errorf("%w: %w", errDestroy, err)
	}
	if proto != model.ProtoTCP && proto != model.ProtoUDP {
		return s, nil, fmt.Errorf("%w: protocol %d", errDestroy, proto)
	}
	if err := decodeInetDiag(b, proto, &s); err != nil {
		return model.Socket{}, nil, fmt.Errorf("%w: %w", errDestroy, err)
	}
	if proto == model.ProtoTCP {
		// decodeInetDiag reads a dump's CLOSE as a bound-only socket: here
		// it is the state the socket was freed in.
		if s.State == model.StateBoundInactive {
			s.State = model.StateClose
		}
		if raw != nil {
			ti, err := decodeTCPInfo(raw)
			if err != nil {
				return model.Socket{}, nil, fmt.Errorf("%w: %w", errDestroy, err)
			}
			info = &ti
		}
	}
	return s, info, nil
}
