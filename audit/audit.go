package audit

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// auditTxt is conntab's own audit rules; audit.txt documents the format.
//
//go:embed audit.txt
var auditTxt string

// AuditRules are what the listener audit knows about ports: the services
// usually kept on the host, and the programs that usually serve a port.
// DefaultAuditRules has conntab's own (audit.txt); LoadAuditRules extends
// them from a file in the same format. A nil *AuditRules knows nothing.
type AuditRules struct {
	// local maps a port to what usually serves it ("Redis").
	local map[auditPort]string
	// public are the ports a rules file says are served everywhere on
	// purpose: they are never "local".
	public map[auditPort]bool
	// expect maps a port to the programs that usually serve it.
	expect map[auditPort][]string
	// anyPort are the programs that may hold any port.
	anyPort []string
}

type auditPort struct {
	proto model.Proto
	port  uint16
}

// ErrAuditSyntax is what every bad line of a rules file matches with
// errors.Is (the error is a *LineError).
var ErrAuditSyntax = errors.New("bad audit rules line")

// DefaultAuditRules returns conntab's own rules. It parses them on every
// call; callers keep the result.
func DefaultAuditRules() *AuditRules {
	r := newAuditRules()
	if err := r.read(strings.NewReader(auditTxt), "audit.txt"); err != nil {
		panic(err) // the table is part of the source and tested
	}
	return r
}

// LoadAuditRules returns DefaultAuditRules extended by the rules file at
// path. Unlike /etc/services, the file is one the user named: a missing
// file is an error, and so is every bad line, each quoted (*LineError).
// A file that is not a regular one (a FIFO, a device) is refused without
// blocking (names.OpenUserFile); its error matches names.ErrNotRegular.
func LoadAuditRules(path string) (*AuditRules, error) {
	f, err := names.OpenUserFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading audit rules: %w", err)
	}
	defer f.Close()
	r := DefaultAuditRules()
	if err := r.read(f, path); err != nil {
		return nil, err
	}
	return r, nil
}

// ParseAuditRules reads rules alone, without conntab's own: for tests and
// for callers that want to start from nothing.
func ParseAuditRules(rd io.Reader) (*AuditRules, error) {
	r := newAuditRules()
	if err := r.read(rd, ""); err != nil {
		return nil, err
	}
	return r, nil
}

func newAuditRules() *AuditRules {
	return &AuditRules{local: map[auditPort]string{}, public: map[auditPort]bool{}, expect: map[auditPort][]string{}}
}

// read adds the rules in rd to r. On a bad line r is left as it was.
func (r *AuditRules) read(rd io.Reader, path string) error {
	add := newAuditRules()
	err := names.ReadTable(rd, path, "audit rules", ErrAuditSyntax, func(line string) string {
		return add.parseLine(line)
	})
	if err != nil {
		return err
	}
	for k, v := range add.local {
		r.local[k] = v
	}
	for k := range add.public {
		r.public[k] = true
	}
	for k, v := range add.expect {
		for _, prog := range v {
			if !slices.Contains(r.expect[k], prog) {
				r.expect[k] = append(r.expect[k], prog)
			}
		}
	}
	for _, prog := range add.anyPort {
		if !slices.Contains(r.anyPort, prog) {
			r.anyPort = append(r.anyPort, prog)
		}
	}
	return nil
}

// parseLine reads one line into r, or says what is wrong with it.
func (r *AuditRules) parseLine(line string) string {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	f := strings.Fields(line)
	if len(f) == 0 {
		return ""
	}
	if len(f) < 2 {
		return "want a keyword (local, public, expect) and a port, such as \"local 6379/tcp Redis\""
	}
	verb, port := f[0], f[1]
	if verb == "expect" && port == "*" {
		if len(f) < 3 {
			return "\"expect *\" wants the programs that may hold any port"
		}
		for _, prog := range f[2:] {
			if reason := checkProgram(prog); reason != "" {
				return reason
			}
			r.anyPort = append(r.anyPort, prog)
		}
		return ""
	}
	k, reason := parseAuditPort(port)
	if reason != "" {
		return reason
	}
	switch verb {
	case "local":
		what := strings.Join(f[2:], " ")
		if what == "" {
			what = "a service usually kept on the host"
		}
		if !names.Printable(what) {
			return "the description holds a control character"
		}
		r.local[k] = what
	case "public":
		if len(f) > 2 {
			return "\"public\" takes a port alone, such as \"public 9200/tcp\""
		}
		r.public[k] = true
	case "expect":
		if len(f) < 3 {
			return "\"expect\" wants the programs that serve the port, such as \"expect 22/tcp sshd\""
		}
		for _, prog := range f[2:] {
			if reason := checkProgram(prog); reason != "" {
				return reason
			}
			r.expect[k] = append(r.expect[k], prog)
		}
	default:
		return fmt.Sprintf("unknown keyword %q: want local, public or expect", verb)
	}
	return ""
}

// parseAuditPort reads "6379/tcp".
func parseAuditPort(s string) (auditPort, string) {
	num, proto, ok := strings.Cut(s, "/")
	if !ok {
		return auditPort{}, fmt.Sprintf("port %q: want PORT/tcp or PORT/udp", s)
	}
	n, err := strconv.ParseUint(num, 10, 16)
	if err != nil || n == 0 {
		return auditPort{}, fmt.Sprintf("port %q: want a number from 1 to 65535", s)
	}
	k := auditPort{port: uint16(n)}
	switch proto {
	case "tcp":
		k.proto = model.ProtoTCP
	case "udp":
		k.proto = model.ProtoUDP
	default:
		return auditPort{}, fmt.Sprintf("port %q: protocol %q, want tcp or udp", s, proto)
	}
	return k, ""
}

// checkProgram says what is wrong with a program name, or "".
func checkProgram(prog string) string {
	if !names.Printable(prog) || strings.ContainsRune(prog, '/') {
		return fmt.Sprintf("program %q: want a process name (no '/', no control characters)", prog)
	}
	return ""
}

// Local is what usually serves p/port when it is a service usually kept
// on the host, and whether it is one.
func (r *AuditRules) Local(p model.Proto, port uint16) (string, bool) {
	if r == nil {
		return "", false
	}
	k := auditPort{p, port}
	what, ok := r.local[k]
	if !ok || r.public[k] {
		return "", false
	}
	return what, true
}

// Expected is the programs that usually serve p/port, nil for a port the
// rules do not judge.
func (r *AuditRules) Expected(p model.Proto, port uint16) []string {
	if r == nil {
		return nil
	}
	return r.expect[auditPort{p, port}]
}

// Expects reports whether comm, a process name as the kernel keeps it, is
// one the rules expect on p/port: a program of the port's or of "expect
// *". The kernel cuts names to 15 bytes, so a longer program name matches
// its first 15 (systemd-resolved is "systemd-resolve").
func (r *AuditRules) Expects(p model.Proto, port uint16, comm string) bool {
	if r == nil {
		return true
	}
	match := func(progs []string) bool {
		return slices.ContainsFunc(progs, func(prog string) bool {
			return prog == comm || (len(comm) == commLen && strings.HasPrefix(prog, comm))
		})
	}
	return match(r.anyPort) || match(r.expect[auditPort{p, port}])
}

// commLen is the longest process name the kernel keeps (TASK_COMM_LEN-1).
const commLen = 15
