package collect

import (
	"encoding/binary"
	"fmt"

	"github.com/mdlayher/netlink"
)

// splitMessages splits a recorded netlink stream (the concatenated replies
// of a dump, as MarshalBinary writes them) into messages.
func splitMessages(b []byte) ([]netlink.Message, error) {
	var msgs []netlink.Message
	for off := 0; off < len(b); {
		if len(b)-off < 16 {
			return nil, fmt.Errorf("offset %d: %d bytes left, short of a header", off, len(b)-off)
		}
		n := nlmsgAlign(int(binary.NativeEndian.Uint32(b[off:])))
		if n < 16 || off+n > len(b) {
			return nil, fmt.Errorf("offset %d: bad message length %d", off, n)
		}
		var m netlink.Message
		if err := m.UnmarshalBinary(b[off : off+n]); err != nil {
			return nil, fmt.Errorf("offset %d: %w", off, err)
		}
		msgs = append(msgs, m)
		off += n
	}
	return msgs, nil
}
