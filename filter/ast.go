package filter

import (
	"net/netip"
	"strconv"

	"github.com/conntab/conntab/model"
)

// Expr is a parsed selection expression. Its String is the canonical
// spelling, which Parse reads back to an equal Expr.
type Expr interface {
	String() string
	// prec is the binding strength, for String's parentheses.
	prec() int
}

// And matches when both sides match.
type And struct{ L, R Expr }

// Or matches when either side matches.
type Or struct{ L, R Expr }

// Not matches when X does not.
type Not struct{ X Expr }

// Side names which endpoint a predicate looks at.
type Side uint8

// Sides.
const (
	Src    Side = iota + 1 // the local end
	Dst                    // the remote end
	Either                 // either end
)

// Op is a comparison.
type Op uint8

// Comparisons, spelt canonically as = != < <= > >=.
const (
	Eq Op = iota + 1
	Ne
	Lt
	Le
	Gt
	Ge
)

var opNames = [...]string{Eq: "=", Ne: "!=", Lt: "<", Le: "<=", Gt: ">", Ge: ">="}

func (o Op) String() string { return opNames[o] }

// Port is a port by number or by service name (resolved when the filter
// is compiled).
type Port struct {
	Num  uint16
	Name string
}

func (p Port) String() string {
	if p.Name != "" {
		return ":" + p.Name
	}
	return ":" + strconv.Itoa(int(p.Num))
}

// PortCmp compares a port: sport, dport, or port (either end).
type PortCmp struct {
	Side Side
	Op   Op
	Port Port
}

// AddrMatch matches an endpoint's address and port: src or dst. A zero
// Prefix matches any address (*); AnyPort matches any port.
type AddrMatch struct {
	Side    Side
	Prefix  netip.Prefix
	AnyPort bool
	Port    Port
}

// ProtoIs matches the protocol.
type ProtoIs struct{ Proto model.Proto }

// ClassIs matches when either port has the class (ephemeral meaning this
// host's ip_local_port_range).
type ClassIs struct{ Class model.PortClass }

// ServiceIs matches the socket's service name (the Service column).
type ServiceIs struct{ Name string }

// UIDIs matches the socket's owner.
type UIDIs struct{ UID uint32 }

func (e *And) prec() int       { return 2 }
func (e *Or) prec() int        { return 1 }
func (e *Not) prec() int       { return 3 }
func (e *PortCmp) prec() int   { return 4 }
func (e *AddrMatch) prec() int { return 4 }
func (e *ProtoIs) prec() int   { return 4 }
func (e *ClassIs) prec() int   { return 4 }
func (e *ServiceIs) prec() int { return 4 }
func (e *UIDIs) prec() int     { return 4 }

// wrap spells e, in parentheses when it binds looser than its context.
// And and Or associate to the left, so a right operand of the same
// strength keeps its parentheses.
func wrap(e Expr, min int) string {
	if e.prec() < min {
		return "(" + e.String() + ")"
	}
	return e.String()
}

func (e *And) String() string { return wrap(e.L, 2) + " and " + wrap(e.R, 3) }
func (e *Or) String() string  { return wrap(e.L, 1) + " or " + wrap(e.R, 2) }
func (e *Not) String() string { return "not " + wrap(e.X, 3) }

func (e *PortCmp) String() string {
	name := map[Side]string{Src: "sport", Dst: "dport", Either: "port"}[e.Side]
	return name + " " + e.Op.String() + " " + e.Port.String()
}

func (e *AddrMatch) String() string {
	side := "src "
	if e.Side == Dst {
		side = "dst "
	}
	addr := "*"
	if e.Prefix.IsValid() {
		addr = prefixString(e.Prefix)
	}
	if e.AnyPort {
		return side + addr
	}
	if e.Prefix.IsValid() && e.Prefix.Addr().Is6() {
		addr = "[" + addr + "]"
	}
	return side + addr + e.Port.String()
}

// prefixString leaves out a full-length prefix's /32 or /128.
func prefixString(p netip.Prefix) string {
	if p.Bits() == p.Addr().BitLen() {
		return p.Addr().String()
	}
	return p.String()
}

func (e *ProtoIs) String() string   { return "proto " + e.Proto.String() }
func (e *ClassIs) String() string   { return "class " + e.Class.String() }
func (e *ServiceIs) String() string { return "service " + e.Name }
func (e *UIDIs) String() string     { return "uid " + strconv.FormatUint(uint64(e.UID), 10) }
