package filter

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render/escape"
)

// Filter is a parsed filter: which states, and which sockets among them.
type Filter struct {
	// States is the set the state clauses select, when HasStates.
	States    model.StateSet
	HasStates bool
	// Expr selects sockets; nil selects every one.
	Expr Expr
}

// ErrSyntax is wrapped by every parse error.
var ErrSyntax = errors.New("filter: syntax error")

// SyntaxError is a parse error at a column of the input.
type SyntaxError struct {
	Input string
	// Col is the 1-based column (in bytes) the error points at.
	Col int
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("filter: %s at column %d", e.Msg, e.Col) }
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// Caret is the input with a caret under the column of the error, two
// lines, for a person to read.
func (e *SyntaxError) Caret() string {
	return string(escape.AppendSafe(nil, e.Input)) + "\n" + strings.Repeat(" ", max(e.Col-1, 0)) + "^"
}

// token is a word or an operator, with its 1-based column.
type token struct {
	text string
	col  int
}

// opChars start operator tokens; every other non-space byte is part of a
// word, so that addresses ([::1]:443, 10.0.0.0/8, *:22) are one word.
const opChars = "()!=<>&|"

func lex(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.IndexByte(opChars, c) >= 0:
			n := 1
			if i+1 < len(s) {
				switch s[i : i+2] {
				case "==", "!=", "<=", ">=", "&&", "||":
					n = 2
				}
			}
			toks = append(toks, token{s[i : i+n], i + 1})
			i += n
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r"+opChars, rune(s[j])) {
				j++
			}
			toks = append(toks, token{s[i:j], i + 1})
			i = j
		}
	}
	return toks
}

type parser struct {
	input string
	toks  []token
	pos   int
}

func (p *parser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos].text
	}
	return ""
}

// col is where the next token starts, or just past the end.
func (p *parser) col() int {
	if p.pos < len(p.toks) {
		return p.toks[p.pos].col
	}
	return len(p.input) + 1
}

func (p *parser) next() token {
	t := p.toks[p.pos]
	p.pos++
	return t
}

func (p *parser) errorf(col int, format string, args ...any) error {
	return &SyntaxError{Input: p.input, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// found describes the next token for an error: `"x"` or "the end".
func (p *parser) found() string {
	if p.pos >= len(p.toks) {
		return "the end"
	}
	return strconv.Quote(p.peek())
}

// NeedsProcesses reports whether f asks who holds the sockets (process,
// pid), which needs the walk of /proc that attribution does.
func (f *Filter) NeedsProcesses() bool {
	var needs func(Expr) bool
	needs = func(e Expr) bool {
		switch e := e.(type) {
		case *And:
			return needs(e.L) || needs(e.R)
		case *Or:
			return needs(e.L) || needs(e.R)
		case *Not:
			return needs(e.X)
		case *ProcessIs, *PIDIs:
			return true
		}
		return false
	}
	return f.Expr != nil && needs(f.Expr)
}

// Parse reads a filter (see the package doc for the grammar).
func Parse(s string) (*Filter, error) {
	p := &parser{input: s, toks: lex(s)}
	f := &Filter{}
	for {
		kw := strings.ToLower(p.peek())
		if kw != "state" && kw != "exclude" {
			break
		}
		p.next()
		if p.pos >= len(p.toks) {
			return nil, p.errorf(p.col(), "expected a state after %q", kw)
		}
		t := p.next()
		set, ok := stateNamed(t.text)
		if !ok {
			return nil, p.errorf(t.col, "unknown state %q (want a state such as established, time-wait, listening, or all, connected, synchronized, bucket, big)", t.text)
		}
		switch {
		case kw == "state":
			if !f.HasStates {
				f.States = 0
			}
			f.States |= set
		case !f.HasStates:
			f.States = model.AllStateSet &^ set
		default:
			f.States &^= set
		}
		f.HasStates = true
	}
	if p.pos == len(p.toks) {
		return f, nil
	}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		t := p.toks[p.pos]
		if t.text == ")" {
			return nil, p.errorf(t.col, "unexpected \")\" with no \"(\" open")
		}
		return nil, p.errorf(t.col, "unexpected %q (state clauses come first; join expressions with and, or)", t.text)
	}
	f.Expr = e
	return f, nil
}

// expr reads terms joined by and, or, or nothing (an implicit and). As in
// ss, and and or bind equally and associate to the left: a or b and c is
// (a or b) and c.
func (p *parser) expr() (Expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		or := false
		switch strings.ToLower(p.peek()) {
		case "", ")":
			return l, nil
		case "or", "||", "|":
			or = true
			p.next()
		case "and", "&&", "&":
			p.next()
		}
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		if or {
			l = &Or{l, r}
		} else {
			l = &And{l, r}
		}
	}
}

func (p *parser) unary() (Expr, error) {
	if p.pos >= len(p.toks) {
		return nil, p.errorf(p.col(), "expected an expression, found the end")
	}
	t := p.toks[p.pos]
	switch strings.ToLower(t.text) {
	case "not", "!":
		p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &Not{x}, nil
	case "(":
		p.next()
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, p.errorf(p.col(), "expected \")\" to close the \"(\" at column %d, found %s", t.col, p.found())
		}
		p.next()
		return e, nil
	}
	return p.predicate()
}

var opWords = map[string]Op{
	"=": Eq, "==": Eq, "eq": Eq, "!=": Ne, "ne": Ne, "neq": Ne,
	"<": Lt, "lt": Lt, "<=": Le, "le": Le, "leq": Le,
	">": Gt, "gt": Gt, ">=": Ge, "ge": Ge, "geq": Ge,
}

func (p *parser) predicate() (Expr, error) {
	t := p.next()
	kw := strings.ToLower(t.text)
	switch kw {
	case "sport", "dport", "port":
		side := map[string]Side{"sport": Src, "dport": Dst, "port": Either}[kw]
		op := Eq
		if o, ok := opWords[strings.ToLower(p.peek())]; ok {
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
		return &PortCmp{Side: side, Op: op, Port: port}, nil
	case "src", "dst":
		side := Src
		if kw == "dst" {
			side = Dst
		}
		if o := p.peek(); o == "=" || o == "==" {
			p.next()
		}
		if p.pos >= len(p.toks) {
			return nil, p.errorf(p.col(), "expected an address after %q", t.text)
		}
		at := p.next()
		m, err := parseAddr(at.text)
		if err != nil {
			return nil, p.errorf(at.col, "%v", err)
		}
		m.Side = side
		return m, nil
	case "proto":
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
	case "class":
		w, col, ok := p.word()
		if !ok {
			return nil, p.errorf(col, "expected a port class after \"class\", found the end")
		}
		c, err := model.ParsePortClass(strings.ToLower(w))
		if err != nil {
			return nil, p.errorf(col, "unknown port class %q (want well-known, registered, dynamic or ephemeral)", w)
		}
		return &ClassIs{c}, nil
	case "service":
		w, col, ok := p.word()
		if !ok {
			return nil, p.errorf(col, "expected a service name after \"service\", found the end")
		}
		return &ServiceIs{w}, nil
	case "uid":
		if o := p.peek(); o == "=" || o == "==" {
			p.next()
		}
		w, col, ok := p.word()
		if !ok {
			return nil, p.errorf(col, "expected a user id after \"uid\", found the end")
		}
		n, err := strconv.ParseUint(w, 10, 32)
		if err != nil {
			return nil, p.errorf(col, "bad user id %q (want a number)", w)
		}
		return &UIDIs{uint32(n)}, nil
	case "state", "exclude":
		return nil, p.errorf(t.col, "%q must come before the expression", kw)
	case "process":
		w, col, ok := p.word()
		if !ok {
			return nil, p.errorf(col, "expected a process name after \"process\", found the end")
		}
		return &ProcessIs{w}, nil
	case "pid":
		if o := p.peek(); o == "=" || o == "==" {
			p.next()
		}
		w, col, ok := p.word()
		if !ok {
			return nil, p.errorf(col, "expected a process id after \"pid\", found the end")
		}
		n, err := strconv.ParseInt(w, 10, 32)
		if err != nil || n <= 0 {
			return nil, p.errorf(col, "bad process id %q (want a positive number)", w)
		}
		return &PIDIs{int32(n)}, nil
	case ")":
		return nil, p.errorf(t.col, "expected an expression, found \")\"")
	}
	if _, isOp := opWords[kw]; isOp || strings.ContainsAny(kw, opChars) {
		return nil, p.errorf(t.col, "expected an expression, found %q", t.text)
	}
	return nil, p.errorf(t.col, "unknown word %q (want sport, dport, port, src, dst, proto, class, service, uid, process, pid, not, or a parenthesis)", t.text)
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
