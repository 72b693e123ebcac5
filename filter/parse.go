package filter

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render/escape"
)

// Filter is a parsed filter: which states, and which sockets among them.
type Filter struct {
	// Input is the text Parse read, for the errors Compile finds (an
	// unknown service name), which point into it as Parse's do.
	Input string
	// States is the set the state clauses select, when HasStates.
	States    model.StateSet
	HasStates bool
	// Expr selects sockets; nil selects every one.
	Expr Expr
}

// ErrSyntax is what every *SyntaxError matches with errors.Is: Parse's,
// and Compile's unknown service name.
var ErrSyntax = errors.New("bad filter")

// SyntaxError is a parse error at a column of the input.
type SyntaxError struct {
	Input string
	// Col is the 1-based column (in bytes) the error points at.
	Col int
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s at column %d", e.Msg, e.Col) }
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
	f := &Filter{Input: s}
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
