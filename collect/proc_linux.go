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
func parseProcLine(s *model.Socket, b []byte, proto model.Proto, family model.Family, states model.StateSet) (keep bool, reason error) {
	sl, i := procField(b, 0)
	if len(sl) == 0 {
		return false, errProcEmpty
	}
	if len(sl) < 2 || sl[len(sl)-1] != ':' || !procDecimal(sl[:len(sl)-1]) {
		return false, errProcSl
	}
	local, i := procField(b, i)
	remote, i := procField(b, i)
	st, i := procField(b, i)
	if len(st) == 0 {
		return false, errProcFields
	}
	kst, ok := procHex(st, 2)
	if !ok {
		return false, errProcState
	}
	state, ok := procState(proto, kst)
	if !ok {
		return false, errProcState
	}
	if !states.Has(state) {
		return false, nil
	}

	queues, i := procField(b, i)
	timer, i := procField(b, i)
	retrans, i := procField(b, i)
	uid, i := procField(b, i)
	timeout, i := procField(b, i)
	inode, i := procField(b, i)
	_, i = procField(b, i) // ref
	pointer, _ := procField(b, i)
	if len(pointer) == 0 {
		// Neither ref nor pointer is kept: they prove the inode is whole.
		return false, errProcFields
	}

	*s = model.Socket{Proto: proto, Family: family, State: state}
	if s.Local, ok = procAddrPort(local, family); !ok {
		return false, errProcLocal
	}
	if s.Remote, ok = procAddrPort(remote, family); !ok {
		return false, errProcRemote
	}
	tx, rx, ok := procPair(queues, 8, 8)
	if !ok {
		return false, errProcQueues
	}
	s.SendQ, s.RecvQ = uint32(tx), uint32(rx)
	tr, when, ok := procPair(timer, 2, 16)
	if !ok || when > math.MaxInt64/uint64(procTick) {
		return false, errProcTimer
	}
	s.Timer = model.Timer{Kind: model.TimerKind(tr), Expires: time.Duration(when) * procTick}
	rt, ok := procHex(retrans, 8)
	if !ok {
		return false, errProcRetrans
	}
	s.Timer.Retrans = uint8(min(rt, math.MaxUint8))
	u, ok := procUint(uid, math.MaxUint32)
	if !ok {
		return false, errProcUID
	}
	s.UID = uint32(u)
	if !procDecimal(bytes.TrimPrefix(timeout, []byte{'-'})) || len(timeout) > 20 {
		return false, errProcTimeout
	}
	if s.Inode, ok = procUint(inode, math.MaxUint64); !ok {
		return false, errProcInode
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

// procPair decodes "hex:hex".
func procPair(b []byte, maxA, maxB int) (a, c uint64, ok bool) {
	i := bytes.IndexByte(b, ':')
	if i < 0 {
		return 0, 0, false
	}
	a, ok1 := procHex(b[:i], maxA)
	c, ok2 := procHex(b[i+1:], maxB)
	return a, c, ok1 && ok2
}

// procDecimal reports whether b is one or more decimal digits.
func procDecimal(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// procUint decodes a decimal number no greater than limit.
func procUint(b []byte, limit uint64) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		d := uint64(c - '0')
		if d > 9 || v > (limit-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// procAddrPort decodes "0100007F:0016": the address's 32-bit words as the
// kernel printed them (host order), then the port. IPv4-mapped IPv6
// addresses come back unmapped (see model's package doc).
func procAddrPort(b []byte, family model.Family) (netip.AddrPort, bool) {
	words := 1
	if family == model.FamilyInet6 {
		words = 4
	}
	if len(b) != words*8+1+4 || b[words*8] != ':' {
		return netip.AddrPort{}, false
	}
	var a [16]byte
	for w := range words {
		v, ok := procHex(b[w*8:w*8+8], 8)
		if !ok {
			return netip.AddrPort{}, false
		}
		binary.NativeEndian.PutUint32(a[w*4:], uint32(v))
	}
	port, ok := procHex(b[words*8+1:], 4)
	if !ok {
		return netip.AddrPort{}, false
	}
	if words == 1 {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(a[:4])), uint16(port)), true
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
	if c.cfg.States == model.AllStateSet {
		snap.Sockets = slices.Grow(snap.Sockets, procEstimate(dir, c.cfg.Protos, c.cfg.Families))
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

// procEstimate guesses from sockstat how many sockets the files list, so
// the slice is sized once; 0 when it cannot tell.
func procEstimate(dir string, protos []model.Proto, families []model.Family) int {
	var counts procSockstat
	for _, name := range []string{"sockstat", "sockstat6"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		parseProcSockstat(&counts, b)
	}
	n := 0
	for _, p := range protos {
		for _, f := range families {
			n += counts.inuse(p, f)
		}
	}
	if n == 0 {
		return 0
	}
	return n + n/8 + 64 // sockets come and go between the two reads
}

// procSockstat holds the counts of /proc/net/sockstat{,6} that size a dump.
type procSockstat struct {
	tcp, tcp6, tw, udp, udp6 int
}

func (s *procSockstat) inuse(p model.Proto, f model.Family) int {
	switch {
	case p == model.ProtoTCP && f == model.FamilyInet:
		return s.tcp + s.tw // tw counts both families
	case p == model.ProtoTCP && f == model.FamilyInet6:
		return s.tcp6
	case p == model.ProtoUDP && f == model.FamilyInet:
		return s.udp
	case p == model.ProtoUDP && f == model.FamilyInet6:
		return s.udp6
	}
	return 0
}

// parseProcSockstat adds the lines "TCP: inuse N orphan O tw T ...",
// "UDP: inuse N ...", "TCP6: inuse N", "UDP6: inuse N" of b to s. Anything
// it does not understand is ignored: the counts are only a size hint.
func parseProcSockstat(s *procSockstat, b []byte) {
	for line := range bytes.Lines(b) {
		key, i := procField(line, 0)
		for {
			var name, val []byte
			name, i = procField(line, i)
			val, i = procField(line, i)
			if len(val) == 0 {
				break
			}
			n, ok := procUint(bytes.TrimSpace(val), math.MaxInt32)
			if !ok {
				continue
			}
			switch string(key) + " " + string(name) {
			case "TCP: inuse":
				s.tcp = int(n)
			case "TCP: tw":
				s.tw = int(n)
			case "TCP6: inuse":
				s.tcp6 = int(n)
			case "UDP: inuse":
				s.udp = int(n)
			case "UDP6: inuse":
				s.udp6 = int(n)
			}
		}
	}
}
