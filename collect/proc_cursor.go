package collect

import (
	"encoding/binary"
	"math"
	"net/netip"
)

// The byte-level readers of /proc text: a cursor over one line, and the
// hex and decimal decoders parseProcLine and parseProcSockstat share. They
// do no I/O and build on every OS.

// procHexVal maps an ASCII byte to its hex digit value, or 0xFF.
var procHexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
		t[c-'a'+'A'] = byte(c-'a') + 10
	}
	return t
}()

// procCursor reads one line left to right. Its methods advance i past what
// they accept.
type procCursor struct {
	b []byte
	i int
}

// spaces skips a run of spaces and reports whether there was one.
func (c *procCursor) spaces() bool {
	j := c.i
	for c.i < len(c.b) && c.b[c.i] == ' ' {
		c.i++
	}
	return c.i > j
}

// atFieldEnd reports whether a field ends here: a space or the line's end.
func (c *procCursor) atFieldEnd() bool { return c.i == len(c.b) || c.b[c.i] == ' ' }

// fieldsOr is errProcFields when the line has ended, else err.
func (c *procCursor) fieldsOr(err error) error {
	if c.i >= len(c.b) {
		return errProcFields
	}
	return err
}

func (c *procCursor) consume(ch byte) bool {
	if c.i < len(c.b) && c.b[c.i] == ch {
		c.i++
		return true
	}
	return false
}

// skipField skips a run of non-space bytes and reports whether there was one.
func (c *procCursor) skipField() bool {
	j := c.i
	for c.i < len(c.b) && c.b[c.i] != ' ' {
		c.i++
	}
	return c.i > j
}

// skipAddr skips "ADDR:PORT" with width hex digits of address and 4 of
// port, checking only its shape; the digits are decoded by procAddrPort
// once the line is known to be wanted. At the line's end it stays put.
func (c *procCursor) skipAddr(width int) ([]byte, bool) {
	n := width + 5
	if len(c.b)-c.i < n {
		c.i = len(c.b)
		return nil, false
	}
	f := c.b[c.i : c.i+n]
	if f[width] != ':' || (len(c.b)-c.i > n && c.b[c.i+n] != ' ') {
		return nil, false
	}
	c.i += n
	return f, true
}

// hex reads 1 to maxDigits hex digits; more, or none, is an error.
func (c *procCursor) hex(maxDigits int) (uint64, bool) {
	j := c.i
	var v uint64
	for c.i < len(c.b) {
		d := procHexVal[c.b[c.i]]
		if d > 0xF {
			break
		}
		v = v<<4 | uint64(d)
		c.i++
	}
	n := c.i - j
	return v, n >= 1 && n <= maxDigits
}

// hex32 reads 1 to 8 hex digits, the kernel's %08X, eight at once when it can.
func (c *procCursor) hex32() (uint32, bool) {
	if len(c.b)-c.i > 8 && procHexVal[c.b[c.i+8]] > 0xF {
		if v, ok := procHex8(c.b[c.i:]); ok {
			c.i += 8
			return v, true
		}
	}
	v, ok := c.hex(8)
	return uint32(v), ok
}

// decimal reads a decimal number no greater than limit.
func (c *procCursor) decimal(limit uint64) (uint64, bool) {
	j := c.i
	var v uint64
	for c.i < len(c.b) {
		d := uint64(c.b[c.i] - '0')
		if d > 9 {
			break
		}
		// 19 digits always fit in 64 bits; check for overflow after.
		if c.i-j >= 19 && v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
		c.i++
	}
	return v, c.i > j && v <= limit
}

// procHex8 decodes the 8 hex digits b starts with, all at once: it checks
// each byte of the 64-bit word is in 0-9, A-F or a-f, then packs the
// nibbles.
func procHex8(b []byte) (uint32, bool) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	x := binary.BigEndian.Uint64(b)
	if x&highs != 0 {
		return 0, false
	}
	// With every byte below 0x80, byte+k sets the byte's high bit exactly
	// when byte >= 0x80-k, and never carries into the next byte.
	digit := (x + 0x50*ones) &^ (x + 0x46*ones) & highs  // '0' <= c <= '9'
	y := x | 0x20*ones                                   // folds A-F onto a-f
	letter := (y + 0x1F*ones) &^ (y + 0x19*ones) & highs // 'a' <= c|0x20 <= 'f'
	if digit|letter != highs {
		return 0, false
	}
	v := x&(0x0F*ones) + (x>>6&ones)*9 // each byte's digit value
	v = (v | v>>4) & 0x00FF00FF00FF00FF
	v = (v | v>>8) & 0x0000FFFF0000FFFF
	v = (v | v>>16) & 0xFFFFFFFF
	return uint32(v), true
}

// procField returns the space-separated field of b that starts at or after
// i, and the index just past it. The field is empty at the end of b.
func procField(b []byte, i int) ([]byte, int) {
	for i < len(b) && b[i] == ' ' {
		i++
	}
	j := i
	for j < len(b) && b[j] != ' ' {
		j++
	}
	return b[i:j], j
}

// procHex decodes 1 to maxDigits hex digits.
func procHex(b []byte, maxDigits int) (uint64, bool) {
	if len(b) == 0 || len(b) > maxDigits {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		d := procHexVal[c]
		if d > 0xF {
			return 0, false
		}
		v = v<<4 | uint64(d)
	}
	return v, true
}

// procUint decodes a decimal number no greater than limit.
func procUint(b []byte, limit uint64) (uint64, bool) {
	c := procCursor{b: b}
	v, ok := c.decimal(limit)
	return v, ok && c.i == len(b)
}

// procAddrPort decodes "0100007F:0016" (width 8) or its IPv6 form (width
// 32): the address's 32-bit words as the kernel printed them (host order),
// then the port. IPv4-mapped IPv6 addresses come back unmapped (see
// model's package doc). skipAddr has checked the shape.
func procAddrPort(b []byte, width int) (netip.AddrPort, bool) {
	port, ok := procHex(b[width+1:], 4)
	if !ok {
		return netip.AddrPort{}, false
	}
	if width == 8 {
		v, ok := procHex8(b)
		var a [4]byte
		binary.NativeEndian.PutUint32(a[:], v)
		return netip.AddrPortFrom(netip.AddrFrom4(a), uint16(port)), ok
	}
	var a [16]byte
	for w := 0; w < width; w += 8 {
		v, ok := procHex8(b[w:])
		if !ok {
			return netip.AddrPort{}, false
		}
		binary.NativeEndian.PutUint32(a[w/2:], v)
	}
	return netip.AddrPortFrom(netip.AddrFrom16(a).Unmap(), uint16(port)), true
}
