package collect

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/conntab/conntab/model"
)

// The /proc/net/netstat and /proc/net/snmp format (net/ipv4/proc.c
// netstat_seq_show, snmp_seq_show): pairs of lines, a header naming the
// counters of a group and a line of their values, both led by the group's
// name:
//
//	TcpExt: SyncookiesSent SyncookiesRecv ...
//	TcpExt: 0 0 ...
//
// A group may come in several pairs (IcmpMsg, sixteen counters a pair).
// Values are unsigned decimals, but for Tcp MaxConn, which is signed (-1).
const (
	// netstatMaxLine is far above the longest line the kernel prints (the
	// TcpExt header, ~2.5 KiB in Linux 6.x).
	netstatMaxLine = 64 << 10
	// netstatQuoteMax is how much of a bad line an error quotes.
	netstatQuoteMax = 200
)

// Reasons a netstat or snmp line is rejected, kept in DecodeError.Err.
var (
	errNetstatPrefix   = errors.New(`no "Group:" prefix`)
	errNetstatOrphan   = errors.New("values line without its header")
	errNetstatNoValues = errors.New("header without its values line")
	errNetstatCount    = errors.New("header and values differ in length")
	errNetstatValue    = errors.New("bad value")
	errNetstatRepeated = errors.New("counter given twice")
)

// netstatField is a counter NetCounters keeps.
type netstatField struct {
	group, name string
	get         func(*model.NetCounters) *uint64
}

// netstatFields are the counters NetCounters keeps, by group and name;
// bit i of parseNetstat's seen mask is netstatFields[i].
var netstatFields = [...]netstatField{
	{"TcpExt:", "TW", func(c *model.NetCounters) *uint64 { return &c.TW }},
	{"TcpExt:", "TWRecycled", func(c *model.NetCounters) *uint64 { return &c.TWRecycled }},
	{"TcpExt:", "TWKilled", func(c *model.NetCounters) *uint64 { return &c.TWKilled }},
	{"TcpExt:", "TCPTimeWaitOverflow", func(c *model.NetCounters) *uint64 { return &c.TCPTimeWaitOverflow }},
	{"TcpExt:", "ListenOverflows", func(c *model.NetCounters) *uint64 { return &c.ListenOverflows }},
	{"TcpExt:", "ListenDrops", func(c *model.NetCounters) *uint64 { return &c.ListenDrops }},
	{"TcpExt:", "TCPReqQFullDrop", func(c *model.NetCounters) *uint64 { return &c.TCPReqQFullDrop }},
	{"Tcp:", "ActiveOpens", func(c *model.NetCounters) *uint64 { return &c.ActiveOpens }},
	{"Tcp:", "PassiveOpens", func(c *model.NetCounters) *uint64 { return &c.PassiveOpens }},
	{"Tcp:", "AttemptFails", func(c *model.NetCounters) *uint64 { return &c.AttemptFails }},
	{"Tcp:", "CurrEstab", func(c *model.NetCounters) *uint64 { return &c.CurrEstab }},
}

// netstatFieldIndex returns the index in netstatFields of group's counter
// name, or -1 when NetCounters does not keep it.
func netstatFieldIndex(group, name string) int {
	for i := range netstatFields {
		if netstatFields[i].name == name && netstatFields[i].group == group {
			return i
		}
	}
	return -1
}

// parseNetstat reads a /proc/net/netstat or /proc/net/snmp file from r
// into the counters of c it holds (TcpExt or Tcp); where names the file in
// errors. Groups and counters c does not keep are checked and skipped; a
// kept counter the file lacks is left as it was (0 in a new NetCounters),
// as an older kernel without it would have it. c.Read is not touched.
//
// The first malformed line ends the reading with a *DecodeError quoting
// it: a line without a group, a header without its values line or values
// without a header, a values line longer or shorter than its header, a
// value that is not a decimal integer (or, for a kept counter, not an
// unsigned one), a kept counter given twice. An empty line, a line too
// long and an empty file are errors matching ErrDecode too. The counters
// of the pair that failed are not set; c is to be trusted only without an
// error.
func parseNetstat(r io.Reader, where string, c *model.NetCounters) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), netstatMaxLine)
	var (
		header     []string // the pending header's fields, group first
		headerLine string
		headerN    int64
		lineN      int64
		seen       uint32
	)
	fail := func(n int64, line string, reason error) error {
		return &DecodeError{Where: where, Offset: n, Line: quoteNetstatLine(line), Err: reason}
	}
	for sc.Scan() {
		lineN++
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) == 0 {
			// DecodeError would not quote an empty line.
			return fmt.Errorf("%w: %s line %d: empty line", ErrDecode, where, lineN)
		}
		if len(fields[0]) < 2 || !strings.HasSuffix(fields[0], ":") {
			return fail(lineN, line, errNetstatPrefix)
		}
		if header != nil && fields[0] != header[0] {
			return fail(headerN, headerLine, errNetstatNoValues)
		}
		if header == nil {
			if len(fields) > 1 && isInteger(fields[1]) {
				return fail(lineN, line, errNetstatOrphan)
			}
			header, headerLine, headerN = fields, line, lineN
			continue
		}
		if len(fields) != len(header) {
			return fail(lineN, line, fmt.Errorf("%w: %d names, %d values", errNetstatCount, len(header)-1, len(fields)-1))
		}
		// Check the whole line before keeping any of it.
		var got netstatPair
		for i := 1; i < len(fields); i++ {
			k := netstatFieldIndex(header[0], header[i])
			if k < 0 {
				if !isInteger(fields[i]) {
					return fail(lineN, line, fmt.Errorf("%w %q for %s", errNetstatValue, fields[i], header[i]))
				}
				continue
			}
			v, err := strconv.ParseUint(fields[i], 10, 64)
			if err != nil {
				return fail(lineN, line, fmt.Errorf("%w %q for %s", errNetstatValue, fields[i], header[i]))
			}
			if seen&(1<<k) != 0 || got.seen&(1<<k) != 0 {
				return fail(lineN, line, fmt.Errorf("%w: %s", errNetstatRepeated, header[i]))
			}
			got.seen |= 1 << k
			got.vals[k] = v
		}
		for k := range netstatFields {
			if got.seen&(1<<k) != 0 {
				*netstatFields[k].get(c) = got.vals[k]
			}
		}
		seen |= got.seen
		header, headerLine = nil, ""
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%w: %s line %d: longer than %d bytes", ErrDecode, where, lineN+1, netstatMaxLine)
		}
		return fmt.Errorf("reading %s: %w", where, err)
	}
	switch {
	case header != nil:
		return fail(headerN, headerLine, errNetstatNoValues)
	case lineN == 0:
		return fmt.Errorf("%w: %s is empty", ErrDecode, where)
	}
	return nil
}

// netstatPair holds the kept counters of one values line until the
// whole line has been checked.
type netstatPair struct {
	seen uint32
	vals [len(netstatFields)]uint64
}

// isInteger reports whether s is a decimal integer that fits 64 bits,
// signed or not, as the kernel prints one (no "+").
func isInteger(s string) bool {
	if strings.HasPrefix(s, "+") {
		return false
	}
	if _, err := strconv.ParseUint(s, 10, 64); err == nil {
		return true
	}
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// quoteNetstatLine cuts line to netstatQuoteMax bytes for an error.
func quoteNetstatLine(line string) string {
	line = strings.TrimRight(line, " ")
	if len(line) > netstatQuoteMax {
		return line[:netstatQuoteMax] + "..."
	}
	return line
}

// parseSysctlInt reads the value of the integer sysctl at path (as
// readSysctl returns it, trimmed), strictly: one decimal int, nothing else.
func parseSysctlInt(path, value string) (int, error) {
	n, err := strconv.Atoi(value)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %q is not an integer", ErrDecode, path, value)
	}
	return n, nil
}

// parseConntrackStat reads /proc/net/stat/nf_conntrack (where, for
// errors): a header of column names, then one line a CPU of hexadecimal
// counts, summed into st. A line with another number of columns, or a
// count that is not hexadecimal, is an error that quotes it.
func parseConntrackStat(b []byte, where string, st *model.ConntrackStats) error {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) < 2 {
		return fmt.Errorf("%s: %q: want a header and a line a CPU", where, string(b))
	}
	header := strings.Fields(lines[0])
	var sum [4]uint64
	slots := make([]int, len(header))
	for i, name := range header {
		slots[i] = -1
		for k, want := range [...]string{"insert_failed", "drop", "early_drop", "search_restart"} {
			if name == want {
				slots[i] = k
			}
		}
	}
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) != len(header) {
			return fmt.Errorf("%s: %q: %d columns under a header of %d", where, line, len(f), len(header))
		}
		for i, v := range f {
			n, err := strconv.ParseUint(v, 16, 32) // the kernel prints each as %08x
			if err != nil {
				return fmt.Errorf("%s: %q: column %s is not a 32-bit hexadecimal count", where, line, header[i])
			}
			if slots[i] >= 0 {
				sum[slots[i]] += n
			}
		}
	}
	*st = model.ConntrackStats{Read: true, InsertFailed: sum[0], Drop: sum[1], EarlyDrop: sum[2], SearchRestart: sum[3]}
	return nil
}
