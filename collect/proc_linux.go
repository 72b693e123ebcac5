package collect

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/conntab/conntab/model"
)

// The /proc/net/{tcp,tcp6,udp,udp6} format, as the kernel prints it
// (net/ipv4/tcp_ipv4.c get_tcp4_sock, get_openreq4, get_timewait4_sock;
// net/ipv6/tcp_ipv6.c; net/ipv4/udp.c udp4_format_sock; net/ipv6/datagram.c
// __ip6_dgram_sock_seq_show), one header line, then per socket:
//
//	sl: local:port remote:port st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer ...
//
// Addresses are the __be32 words printed as host-order %08X, ports and the
// numbers before uid are hex, uid, timeout and inode decimal. Full TCP
// sockets print five more columns after the pointer, UDP sockets one (drops);
// TIME_WAIT and request sockets stop at the pointer. Every format has at
// least ref and pointer after the inode, which is how a line cut short is
// told from a whole one.
const (
	// procBufSize holds several hundred lines, so a big file is read in few
	// read(2) calls and the kernel restarts its hash walk seldom.
	procBufSize = 256 << 10
	// procMaxLine is far above the longest line the kernel prints (~180
	// bytes for tcp6).
	procMaxLine = 1024
	// procQuoteMax is how much of a bad line an error quotes.
	procQuoteMax = 200
	// procMaxErrors is how many bad lines one file reports one by one.
	procMaxErrors = 10
	// procUserHZ is USER_HZ, the unit of tm->when (clock_t ticks per second).
	procUserHZ = 100
	procTick   = time.Second / procUserHZ
)

// Reasons a /proc line is rejected, kept in DecodeError.Err.
var (
	errProcHeader  = errors.New("missing header")
	errProcEmpty   = errors.New("empty line")
	errProcLong    = errors.New("line too long")
	errProcFields  = errors.New("too few fields")
	errProcSl      = errors.New("bad sl")
	errProcLocal   = errors.New("bad local address")
	errProcRemote  = errors.New("bad remote address")
	errProcState   = errors.New("bad state")
	errProcQueues  = errors.New("bad tx_queue:rx_queue")
	errProcTimer   = errors.New("bad tr:tm->when")
	errProcRetrans = errors.New("bad retrnsmt")
	errProcUID     = errors.New("bad uid")
	errProcTimeout = errors.New("bad timeout")
	errProcInode   = errors.New("bad inode")
)

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

// parseProcNet reads one /proc/net/{tcp,tcp6,udp,udp6} file from r and appends each
// socket whose state is in states to dst. where names the file in errors.
// proto and family are passed in, never inferred from a file name.
//
// A malformed line is skipped and reported as a *DecodeError; the lines
// after it are still read. Lines whose state is not in states are dropped
// as soon as the state is read and are not checked further.
func parseProcNet(dst []model.Socket, r io.Reader, where string, proto model.Proto, family model.Family, states model.StateSet) ([]model.Socket, error) {
	return parseProcNetBuffered(dst, bufio.NewReaderSize(r, procBufSize), where, proto, family, states)
}

// parseProcNetBuffered is parseProcNet on a reader the caller may reuse
// across files.
func parseProcNetBuffered(dst []model.Socket, br *bufio.Reader, where string, proto model.Proto, family model.Family, states model.StateSet) ([]model.Socket, error) {
	if (proto != model.ProtoTCP && proto != model.ProtoUDP) || (family != model.FamilyInet && family != model.FamilyInet6) {
		return dst, fmt.Errorf("collect: %s: no /proc format for %v/%v", where, proto, family)
	}
	var (
		errs  []error
		extra int
		lineN int64
	)
	report := func(line []byte, reason error) {
		if len(errs) >= procMaxErrors {
			extra++
			return
		}
		errs = append(errs, &DecodeError{Where: where, Offset: lineN, Line: quoteProcLine(line), Err: reason})
	}
	for {
		line, err := br.ReadSlice('\n')
		if len(line) == 0 && err != nil {
			if err != io.EOF {
				errs = append(errs, fmt.Errorf("collect: reading %s: %w", where, err))
			} else if lineN == 0 {
				errs = append(errs, fmt.Errorf("%w: %s is empty, want a header line", ErrDecode, where))
			}
			break
		}
		lineN++
		if err == bufio.ErrBufferFull {
			report(line, errProcLong)
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				errs = append(errs, fmt.Errorf("collect: reading %s: %w", where, err))
				break
			}
			continue
		}
		if line[len(line)-1] == '\n' {
			line = line[:len(line)-1]
		}
		switch {
		case len(line) > procMaxLine:
			report(line, errProcLong)
		case lineN == 1 && isProcHeader(line):
		default:
			var s model.Socket
			keep, reason := parseProcLine(&s, line, proto, family, states)
			if keep {
				dst = append(dst, s)
			}
			if lineN == 1 {
				// A header-less file may be something else altogether:
				// say so once, whatever became of its first line.
				reason = errProcHeader
			}
			if reason != nil {
				report(line, reason)
			}
		}
		if err != nil {
			if err != io.EOF {
				errs = append(errs, fmt.Errorf("collect: reading %s: %w", where, err))
			}
			break
		}
	}
	if extra > 0 {
		errs = append(errs, fmt.Errorf("%w: %s: and %d more malformed lines", ErrDecode, where, extra))
	}
	return dst, errors.Join(errs...)
}

// isProcHeader reports whether line is the column header ("  sl  local_address ...").
func isProcHeader(line []byte) bool {
	f, i := procField(line, 0)
	g, _ := procField(line, i)
	return string(f) == "sl" && string(g) == "local_address"
}

// quoteProcLine copies line for an error, without the kernel's padding and
// cut to procQuoteMax bytes.
func quoteProcLine(line []byte) string {
	line = bytes.TrimRight(line, " \n")
	if len(line) > procQuoteMax {
		return string(line[:procQuoteMax]) + "..."
	}
	return string(line)
}

// parseProcLine decodes one socket line into s. It reports keep=false for a
// line that is malformed (with the reason) or whose state is not in states.
// It reads the line once, left to right; a line whose state is unwanted
// costs the sl column, two address-length jumps and the state.
func parseProcLine(s *model.Socket, b []byte, proto model.Proto, family model.Family, states model.StateSet) (keep bool, reason error) {
	c := procCursor{b: b}
	c.spaces()
	if c.i == len(b) {
		return false, errProcEmpty
	}
	if _, ok := c.decimal(math.MaxUint64); !ok || !c.consume(':') || !c.spaces() {
		return false, errProcSl
	}
	width := 8 // hex digits of an address
	if family == model.FamilyInet6 {
		width = 32
	}
	local, ok := c.skipAddr(width)
	if !ok {
		return false, c.fieldsOr(errProcLocal)
	}
	if !c.spaces() {
		return false, c.fieldsOr(errProcLocal)
	}
	remote, ok := c.skipAddr(width)
	if !ok {
		return false, c.fieldsOr(errProcRemote)
	}
	if !c.spaces() {
		return false, c.fieldsOr(errProcRemote)
	}
	kst, ok := c.hex(2)
	if !ok || !c.atFieldEnd() {
		return false, errProcState
	}
	state, ok := procState(proto, kst)
	if !ok {
		return false, errProcState
	}
	if !states.Has(state) {
		return false, nil
	}

	*s = model.Socket{Proto: proto, Family: family, State: state}
	if s.Local, ok = procAddrPort(local, width); !ok {
		return false, errProcLocal
	}
	if s.Remote, ok = procAddrPort(remote, width); !ok {
		return false, errProcRemote
	}
	if !c.spaces() {
		return false, errProcFields
	}
	if s.SendQ, ok = c.hex32(); !ok || !c.consume(':') {
		return false, errProcQueues
	}
	if s.RecvQ, ok = c.hex32(); !ok || !c.atFieldEnd() {
		return false, errProcQueues
	}
	if !c.spaces() {
		return false, errProcFields
	}
	tr, ok := c.hex(2)
	if !ok || !c.consume(':') {
		return false, errProcTimer
	}
	when, ok := c.hex(16)
	if !ok || !c.atFieldEnd() || when > math.MaxInt64/uint64(procTick) {
		return false, errProcTimer
	}
	s.Timer = model.Timer{Kind: model.TimerKind(tr), Expires: time.Duration(when) * procTick}
	if !c.spaces() {
		return false, errProcFields
	}
	rt, ok := c.hex32()
	if !ok || !c.atFieldEnd() {
		return false, errProcRetrans
	}
	s.Timer.Retrans = uint8(min(rt, math.MaxUint8))
	if !c.spaces() {
		return false, errProcFields
	}
	uid, ok := c.decimal(math.MaxUint32)
	if !ok || !c.atFieldEnd() {
		return false, errProcUID
	}
	s.UID = uint32(uid)
	if !c.spaces() {
		return false, errProcFields
	}
	c.consume('-')
	if _, ok := c.decimal(math.MaxInt64); !ok || !c.atFieldEnd() {
		return false, errProcTimeout
	}
	if !c.spaces() {
		return false, errProcFields
	}
	if s.Inode, ok = c.decimal(math.MaxUint64); !ok || !c.atFieldEnd() {
		return false, errProcInode
	}
	// Neither ref nor pointer is kept: they prove the inode is whole.
	if !c.spaces() || !c.skipField() || !c.spaces() || !c.skipField() {
		return false, errProcFields
	}
	return true, nil
}

// procState turns the kernel's state number into a model.State: TCP keeps
// the number (TCP_NEW_SYN_RECV and TCP_BOUND_INACTIVE are never printed:
// request sockets show as SYN_RECV and bound sockets are not listed), UDP is
// connected (TCP_ESTABLISHED) or not (TCP_CLOSE).
func procState(proto model.Proto, st uint64) (model.State, bool) {
	if proto == model.ProtoUDP {
		switch model.State(st) {
		case model.StateEstablished:
			return model.StateEstablished, true
		case model.StateClose:
			return model.StateUnconn, true
		}
		return 0, false
	}
	if st >= uint64(model.StateEstablished) && st <= uint64(model.StateClosing) {
		return model.State(st), true
	}
	return 0, false
}

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

// procFile names the /proc/net file for proto and family.
func procFile(proto model.Proto, family model.Family) (string, error) {
	var name string
	switch proto {
	case model.ProtoTCP:
		name = "tcp"
	case model.ProtoUDP:
		name = "udp"
	default:
		return "", fmt.Errorf("collect: /proc/net has no file for %v", proto)
	}
	switch family {
	case model.FamilyInet:
	case model.FamilyInet6:
		name += "6"
	default:
		return "", fmt.Errorf("collect: /proc/net has no file for %v", family)
	}
	return name, nil
}

// readProc reads the /proc/net files for c.cfg.Protos × c.cfg.Families into snap.Sockets.
func (c *Collector) readProc(snap *model.Snapshot) error {
	dir := netDir(c.cfg.ProcRoot, c.cfg.NetNS != "")
	// Growing a 130k-socket slice by appending costs more than parsing it
	// (5x the memory, 3x the time).
	if n := readSockstat(dir).estimate(c.cfg.Protos, c.cfg.Families, c.cfg.States); n > 0 {
		snap.Sockets = slices.Grow(snap.Sockets, n)
		if n >= prefaultAt {
			prefault(snap.Sockets)
		}
	}
	br := bufio.NewReaderSize(nil, procBufSize)
	var errs []error
	for _, proto := range c.cfg.Protos {
		for _, family := range c.cfg.Families {
			name, err := procFile(proto, family)
			if err != nil {
				return errors.Join(append(errs, err)...)
			}
			path := filepath.Join(dir, name)
			f, err := os.Open(path)
			if err != nil {
				if family == model.FamilyInet6 && errors.Is(err, os.ErrNotExist) {
					continue // no IPv6 in this kernel or namespace
				}
				return errors.Join(append(errs, fmt.Errorf("collect: %w", err))...)
			}
			br.Reset(f)
			snap.Sockets, err = parseProcNetBuffered(snap.Sockets, br, path, proto, family, c.cfg.States)
			f.Close()
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
