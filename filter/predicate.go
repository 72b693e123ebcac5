package filter

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/conntab/conntab/model"
)

// The predicates of the grammar (PRED in the package doc), one reader per
// keyword, and the ports and addresses they take.

// opWord is the comparison a word (lower case) names. A switch, not a
// map: a package-level map is built by the package's initialiser, at the
// start of every command.
func opWord(w string) (Op, bool) {
	switch w {
	case "=", "==", "eq":
		return Eq, true
	case "!=", "ne", "neq":
		return Ne, true
	case "<", "lt":
		return Lt, true
	case "<=", "le", "leq":
		return Le, true
	case ">", "gt":
		return Gt, true
	case ">=", "ge", "geq":
		return Ge, true
	}
	return 0, false
}

// predicate reads one predicate, its keyword first.
func (p *parser) predicate() (Expr, error) {
	t := p.next()
	kw := strings.ToLower(t.text)
	switch kw {
	case "sport", "dport", "port":
		return p.portPredicate(t, kw)
	case "src", "dst":
		return p.addrPredicate(t, kw)
	case "proto":
		return p.protoPredicate()
	case "class":
		return p.classPredicate()
	case "service":
		w, col, ok := p.word()
		if !ok {
			return nil, p.errorf(col, "expected a service name after \"service\", found the end")
		}
		return &ServiceIs{w}, nil
	case "uid":
		return p.uidPredicate()
	case "state", "exclude":
		return nil, p.errorf(t.col, "%q must come before the expression", kw)
	case "process":
		w, col, ok := p.word()
		if !ok {
			return nil, p.errorf(col, "expected a process name after \"process\", found the end")
		}
		return &ProcessIs{w}, nil
	case "pid":
		return p.pidPredicate()
	case "netns":
		p.optionalEq()
		w, col, ok := p.word()
		if !ok {
			return nil, p.errorf(col, "expected a namespace's inode or name after \"netns\", found the end")
		}
		if n, err := strconv.ParseUint(w, 10, 32); err == nil {
			return &NetNSIs{Inode: uint32(n)}, nil
		}
		return &NetNSIs{Name: w}, nil
	case "container":
		p.optionalEq()
		w, col, ok := p.word()
		if !ok {
			return nil, p.errorf(col, "expected a container's name after \"container\", found the end")
		}
		return &ContainerIs{w}, nil
	case ")":
		return nil, p.errorf(t.col, "expected an expression, found \")\"")
	}
	if _, isOp := opWord(kw); isOp || strings.ContainsAny(kw, opChars) {
		return nil, p.errorf(t.col, "expected an expression, found %q", t.text)
	}
	return nil, p.errorf(t.col, "unknown word %q (want sport, dport, port, src, dst, proto, class, service, uid, process, pid, netns, container, not, or a parenthesis)", t.text)
}

// portPredicate reads what follows sport, dport or port (t, kw lowered):
// an optional operator and a port.
func (p *parser) portPredicate(t token, kw string) (Expr, error) {
	side := map[string]Side{"sport": Src, "dport": Dst, "port": Either}[kw]
	op := Eq
	if o, ok := opWord(strings.ToLower(p.peek())); ok {
		op = o
		p.next()
	}
	if p.pos >= len(p.toks) {
		return nil, p.errorf(p.col(), "expected a port after %q", p.input[t.col-1:p.toks[p.pos-1].col-1+len(p.toks[p.pos-1].text)])
	}
	pt := p.next()
	port, err := parsePort(pt.text)
	if err != nil {
		return nil, p.errorf(pt.col, "%v", err)
	}
	port.Col = pt.col
	return &PortCmp{Side: side, Op: op, Port: port}, nil
}

// addrPredicate reads what follows src or dst (t, kw lowered): an
// optional "=" and an address.
func (p *parser) addrPredicate(t token, kw string) (Expr, error) {
	side := Src
	if kw == "dst" {
		side = Dst
	}
	p.optionalEq()
	if p.pos >= len(p.toks) {
		return nil, p.errorf(p.col(), "expected an address after %q", t.text)
	}
	at := p.next()
	m, err := parseAddr(at.text)
	if err != nil {
		return nil, p.errorf(at.col, "%v", err)
	}
	m.Side = side
	if !m.AnyPort {
		// The port ends the address: its ":" is that far into the token.
		m.Port.Col = at.col + strings.LastIndexByte(at.text, ':')
	}
	return m, nil
}

// protoPredicate reads what follows proto: tcp or udp.
func (p *parser) protoPredicate() (Expr, error) {
	w, col, ok := p.word()
	switch {
	case !ok:
		return nil, p.errorf(col, "expected tcp or udp after \"proto\", found the end")
	case strings.EqualFold(w, "tcp"):
		return &ProtoIs{model.ProtoTCP}, nil
	case strings.EqualFold(w, "udp"):
		return &ProtoIs{model.ProtoUDP}, nil
	}
	return nil, p.errorf(col, "unknown protocol %q (want tcp or udp)", w)
}

// classPredicate reads what follows class: a port class.
func (p *parser) classPredicate() (Expr, error) {
	w, col, ok := p.word()
	if !ok {
		return nil, p.errorf(col, "expected a port class after \"class\", found the end")
	}
	c, err := model.ParsePortClass(strings.ToLower(w))
	if err != nil {
		return nil, p.errorf(col, "unknown port class %q (want well-known, registered, dynamic or ephemeral)", w)
	}
	return &ClassIs{c}, nil
}

// uidPredicate reads what follows uid: an optional "=" and a user id.
func (p *parser) uidPredicate() (Expr, error) {
	p.optionalEq()
	w, col, ok := p.word()
	if !ok {
		return nil, p.errorf(col, "expected a user id after \"uid\", found the end")
	}
	n, err := strconv.ParseUint(w, 10, 32)
	if err != nil {
		return nil, p.errorf(col, "bad user id %q (want a number)", w)
	}
	return &UIDIs{uint32(n)}, nil
}

// pidPredicate reads what follows pid: an optional "=" and a process id.
func (p *parser) pidPredicate() (Expr, error) {
	p.optionalEq()
	w, col, ok := p.word()
	if !ok {
		return nil, p.errorf(col, "expected a process id after \"pid\", found the end")
	}
	n, err := strconv.ParseInt(w, 10, 32)
	if err != nil || n <= 0 {
		return nil, p.errorf(col, "bad process id %q (want a positive number)", w)
	}
	return &PIDIs{int32(n)}, nil
}

// optionalEq takes an "=" or "==", which src, dst, uid and pid allow.
func (p *parser) optionalEq() {
	if o := p.peek(); o == "=" || o == "==" {
		p.next()
	}
}

// word takes the next token if it is a word, not an operator.
func (p *parser) word() (string, int, bool) {
	if p.pos >= len(p.toks) {
		return "", p.col(), false
	}
	t := p.toks[p.pos]
	if strings.ContainsAny(t.text[:1], opChars) {
		return "", t.col, false
	}
	p.pos++
	return t.text, t.col, true
}

// parsePort reads :PORT or PORT, by number or service name.
func parsePort(s string) (Port, error) {
	s = strings.TrimPrefix(s, ":")
	if s == "" {
		return Port{}, errors.New("expected a port number or service name after \":\"")
	}
	if s[0] >= '0' && s[0] <= '9' {
		n, err := strconv.ParseUint(s, 10, 16)
		if err != nil {
			return Port{}, fmt.Errorf("bad port %q (want 0 to 65535 or a service name)", s)
		}
		return Port{Num: uint16(n)}, nil
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c == '-' || c == '_' || c == '.' || c == '+' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return Port{}, fmt.Errorf("bad port %q (want 0 to 65535 or a service name)", s)
		}
	}
	return Port{Name: s}, nil
}

// parseAddr reads ADDR[/LEN][:PORT]: ADDR an IPv4 address, an IPv6
// address in brackets when a port follows, or * for any; PORT a number, a
// service name or *.
func parseAddr(s string) (*AddrMatch, error) {
	m := &AddrMatch{AnyPort: true}
	host, port := s, ""
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return nil, fmt.Errorf("address %q: \"[\" without \"]\"", s)
		}
		host, port = s[1:end], s[end+1:]
		if port != "" && port[0] != ':' {
			return nil, fmt.Errorf("address %q: expected \":PORT\" after \"]\"", s)
		}
	case strings.Count(s, ":") == 1:
		i := strings.IndexByte(s, ':')
		host, port = s[:i], s[i:]
	}
	switch {
	case host == "*" || host == "":
		if host == "" && port == "" {
			return nil, fmt.Errorf("address %q: expected an address", s)
		}
	default:
		pfx, err := parsePrefix(host)
		if err != nil {
			return nil, fmt.Errorf("address %q: %v", s, err)
		}
		m.Prefix = pfx
	}
	if port != "" && port != ":*" {
		pt, err := parsePort(port)
		if err != nil {
			return nil, fmt.Errorf("address %q: %v", s, err)
		}
		m.AnyPort, m.Port = false, pt
	}
	return m, nil
}

// parsePrefix reads an address or a prefix. An IPv6 prefix also holds the
// v4-mapped addresses of IPv6 sockets it covers (see compileAddr), so
// ::ffff:0:0/96 selects IPv6 sockets that talk IPv4.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, errors.New("want an address or ADDR/LEN")
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, errors.New("want an IPv4 or IPv6 address (or * for any)")
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
