package render

import (
	"net/netip"
	"strconv"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render/escape"
)

// hostName is the name the labeler's Hosts give ap's address (-r), or
// false when it has none.
func (l *Labeler) hostName(ap netip.AddrPort) (string, bool) {
	if l == nil || l.Hosts == nil {
		return "", false
	}
	return l.Hosts.Name(ap.Addr())
}

// appendLocal appends the Local cell: name:port when the address has a
// name (as ss -r writes it), else the address and port.
func appendLocal(dst []byte, s *model.Socket, l *Labeler) []byte {
	if name, ok := l.hostName(s.Local); ok {
		dst = escape.AppendSafe(dst, name)
		return strconv.AppendUint(append(dst, ':'), uint64(s.Local.Port()), 10)
	}
	return s.Local.AppendTo(dst)
}

// appendPeerCell appends the Peer cell: name:port (name:* for port 0) when
// the address has a name, else model.AppendPeer.
func appendPeerCell(dst []byte, s *model.Socket, l *Labeler) []byte {
	if name, ok := l.hostName(s.Remote); ok {
		dst = append(escape.AppendSafe(dst, name), ':')
		if s.Remote.Port() == 0 {
			return append(dst, '*')
		}
		return strconv.AppendUint(dst, uint64(s.Remote.Port()), 10)
	}
	return model.AppendPeer(dst, s.Remote)
}

// namedLen is the width of a named cell, name:port, or -1 without a name.
func namedLen(ap netip.AddrPort, l *Labeler) int {
	name, ok := l.hostName(ap)
	if !ok {
		return -1
	}
	n := safeLen(name) + 1
	if ap.Port() == 0 {
		return n + 1
	}
	return n + decimalLen(uint64(ap.Port()))
}
