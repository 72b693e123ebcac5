package collect

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
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

// parseProcNet reads one /proc/net/{tcp,tcp6,udp,udp6} file from r and appends each
// socket whose state is in states to dst. where names the file in errors.
// proto and family are passed in, never inferred from a file name.
//
// A malformed line is skipped and reported as a *DecodeError; the lines
// after it are still read. Lines whose state is not in states are dropped
// as soon as the state is read and are not checked further. A socket the
// kernel printed twice is kept once, in its later form (dropProcRepeats).
func parseProcNet(dst []model.Socket, r io.Reader, where string, proto model.Proto, family model.Family, states model.StateSet) ([]model.Socket, error) {
	return parseProcNetBuffered(dst, bufio.NewReaderSize(r, procBufSize), where, proto, family, states)
}

// parseProcNetBuffered is parseProcNet on a reader the caller may reuse
// across files.
func parseProcNetBuffered(dst []model.Socket, br *bufio.Reader, where string, proto model.Proto, family model.Family, states model.StateSet) ([]model.Socket, error) {
	if (proto != model.ProtoTCP && proto != model.ProtoUDP) || (family != model.FamilyInet && family != model.FamilyInet6) {
		return dst, fmt.Errorf("%s: no /proc format for %v/%v", where, proto, family)
	}
	var (
		errs  []error
		extra int
		lineN int64
		start = len(dst)
		// hashes are the kept rows' procTupleHash, for dropProcRepeats;
		// dst's room (readProc sizes it from sockstat) sizes them.
		hashes = make([]uint64, 0, cap(dst)-len(dst))
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
				errs = append(errs, fmt.Errorf("reading %s: %w", where, err))
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
				errs = append(errs, fmt.Errorf("reading %s: %w", where, err))
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
				hashes = append(hashes, procTupleHash(&s))
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
				errs = append(errs, fmt.Errorf("reading %s: %w", where, err))
			}
			break
		}
	}
	if extra > 0 {
		errs = append(errs, fmt.Errorf("%w: %s: and %d more malformed lines", ErrDecode, where, extra))
	}
	kept := dropProcRepeats(dst[start:], hashes)
	return dst[:start+len(kept)], errors.Join(errs...)
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
