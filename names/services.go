package names

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/conntab/conntab/model"
)

// servicesTxt is conntab's own service table; services.txt says how its
// names were chosen.
//
//go:embed services.txt
var servicesTxt string

// Services maps a protocol and port to a service name, as /etc/services does.
// The zero value is an empty table; a nil *Services looks nothing up.
type Services struct {
	// Maps keep Lookup allocation-free and fast on misses, which are most
	// lookups (the ephemeral side of every connection).
	tcp, udp map[uint16]string
	// named has a bit for each port that has a name, per protocol (0 tcp,
	// 1 udp): most lookups miss, and a bit test is cheaper than a map miss.
	named [2][1024]uint64
}

// add names p/port unless it has a name already.
func (s *Services) add(p model.Proto, port uint16, name string) {
	m, i := s.tcp, 0
	if p == model.ProtoUDP {
		m, i = s.udp, 1
	}
	if _, dup := m[port]; dup {
		return
	}
	m[port] = name
	s.named[i][port/64] |= 1 << (port % 64)
}

// DefaultServices returns conntab's embedded service table. It parses the
// table on every call; callers keep the result.
func DefaultServices() *Services {
	s, err := parseServices(strings.NewReader(servicesTxt), "services.txt")
	if err != nil {
		// The table is part of the source and tested; this cannot happen
		// in a released build.
		panic(err)
	}
	return s
}

// LoadServices returns DefaultServices extended by the /etc/services-format
// file at path (see Merge). A missing file is not an error: the result is
// DefaultServices. Any other failure to read the file, or a bad line in it,
// is, and callers that want to carry on can fall back to DefaultServices;
// errors from opening the file stay matchable (fs.ErrPermission). A file
// that is not a regular one (a FIFO, a device) is refused without
// blocking (OpenUserFile).
func LoadServices(path string) (*Services, error) {
	f, err := OpenUserFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultServices(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the service names: %w", err)
	}
	defer f.Close()
	host, err := parseServices(f, path)
	if err != nil {
		return nil, err
	}
	s := DefaultServices()
	s.Merge(host)
	return s, nil
}

// ParseServices reads a table in /etc/services format: one service per
// line, "name port/protocol [aliases...]", with "#" starting a comment.
// Blank and comment-only lines are skipped, aliases are ignored, and lines
// for protocols conntab does not collect (sctp, dccp, ddp) are skipped.
// When a file names the same port and protocol twice, the first name wins,
// as it does for getservbyport(3).
//
// A bad line is an error: a *ServicesError naming the line, quoting it and
// saying what is wrong; ParseServices reports every bad line (the first
// ten, and how many more), joined, and returns no table.
func ParseServices(r io.Reader) (*Services, error) {
	return parseServices(r, "")
}

// ErrServicesSyntax is what every *ServicesError matches with errors.Is.
var ErrServicesSyntax = errors.New("bad services line")

// ServicesError is a line of a services file that could not be read.
type ServicesError = LineError

func parseServices(r io.Reader, path string) (*Services, error) {
	s := &Services{tcp: make(map[uint16]string), udp: make(map[uint16]string)}
	err := ReadTable(r, path, "services", ErrServicesSyntax, func(line string) string {
		p, port, name, reason := parseServiceLine(line)
		if reason == "" && name != "" {
			s.add(p, port, name)
		}
		return reason
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// parseServiceLine reads one line. It returns an empty name for lines that
// hold no service conntab keeps, and a reason for bad ones.
func parseServiceLine(line string) (p model.Proto, port uint16, name, reason string) {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	f := strings.Fields(line)
	switch {
	case len(f) == 0:
		return 0, 0, "", ""
	case len(f) == 1:
		return 0, 0, "", "missing port/protocol"
	}
	name = f[0]
	if !Printable(name) {
		return 0, 0, "", fmt.Sprintf("service name %q is not printable", name)
	}
	num, proto, ok := strings.Cut(f[1], "/")
	if !ok || proto == "" {
		return 0, 0, "", fmt.Sprintf("missing protocol in %q (want port/protocol)", f[1])
	}
	v, err := strconv.ParseUint(num, 10, 16)
	switch {
	case errors.Is(err, strconv.ErrRange) || err == nil && v == 0:
		return 0, 0, "", fmt.Sprintf("port %s out of range 1-65535", num)
	case err != nil:
		return 0, 0, "", fmt.Sprintf("bad port %q", num)
	}
	switch proto {
	case "tcp":
		p = model.ProtoTCP
	case "udp":
		p = model.ProtoUDP
	case "sctp", "dccp", "ddp":
		// Real protocols that real files list; conntab collects neither.
		return 0, 0, "", ""
	default:
		return 0, 0, "", fmt.Sprintf("unknown protocol %q (want tcp or udp)", proto)
	}
	return p, uint16(v), name, ""
}

// Printable reports whether name is UTF-8 without control characters, so
// that a host's file cannot put terminal escapes into the listing.
func Printable(name string) bool {
	if !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// Lookup returns the name of the service on port p/port. Port 0 has none.
func (s *Services) Lookup(p model.Proto, port uint16) (string, bool) {
	if s == nil || port == 0 {
		return "", false
	}
	i := 0
	if p == model.ProtoUDP {
		i = 1
	} else if p != model.ProtoTCP {
		return "", false
	}
	if s.named[i][port/64]&(1<<(port%64)) == 0 {
		return "", false
	}
	if i == 1 {
		return s.udp[port], true
	}
	return s.tcp[port], true
}

// PortByName returns the port a service name stands for, TCP's first and
// then UDP's, as getservbyname does with no protocol.
func (s *Services) PortByName(name string) (uint16, bool) {
	if s == nil {
		return 0, false
	}
	for _, m := range []map[uint16]string{s.tcp, s.udp} {
		best, found := uint16(0), false
		for port, n := range m {
			// Several ports may share a name (http-alt): take the lowest,
			// so the answer does not depend on map order.
			if n == name && (!found || port < best) {
				best, found = port, true
			}
		}
		if found {
			return best, true
		}
	}
	return 0, false
}

// Merge extends s with the services in other that s has no name for. Names
// already in s win, so DefaultServices merged with a host's /etc/services
// reads the same on every host and only gains the ports it lacked.
func (s *Services) Merge(other *Services) {
	if other == nil {
		return
	}
	if s.tcp == nil {
		s.tcp = make(map[uint16]string, len(other.tcp))
	}
	if s.udp == nil {
		s.udp = make(map[uint16]string, len(other.udp))
	}
	for port, name := range other.tcp {
		s.add(model.ProtoTCP, port, name)
	}
	for port, name := range other.udp {
		s.add(model.ProtoUDP, port, name)
	}
}

// Len is the number of (protocol, port) pairs that have a name.
func (s *Services) Len() int {
	if s == nil {
		return 0
	}
	return len(s.tcp) + len(s.udp)
}
