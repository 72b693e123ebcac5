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
	// Col is the 1-based column of the port (its ":", if any) in the
	// filter's Input, for Compile's error about a Name it does not know;
	// 0 when the port was not parsed.
	Col int
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

// ProcessIs matches when a process named Name holds the socket (or, for a
// TIME_WAIT socket in a session that remembers, held its connection).
type ProcessIs struct{ Name string }

// PIDIs matches when the process PID holds the socket.
type PIDIs struct{ PID int32 }

// NetNSIs matches the socket's network namespace: by inode, or (Name
// set) by its `ip netns` name, when several were read (-N all).
type NetNSIs struct {
	Inode uint32
	Name  string
}

// ContainerIs matches the container owning the socket's namespace, by
// its name, its pod's name, pod/name, or the start of its id (12 hex
// digits or more).
type ContainerIs struct{ Name string }

// binary spells l op r. and and or bind equally and associate to the
// left, so a left operand needs no parentheses; they are written anyway
// when it is the other operator, for people. A right operand that is
// itself and or or always needs them.
func binary(l Expr, op string, r Expr) string {
	ls, rs := l.String(), r.String()
	switch l.(type) {
	case *And:
		if op != "and" {
			ls = "(" + ls + ")"
		}
	case *Or:
		if op != "or" {
			ls = "(" + ls + ")"
		}
	}
	switch r.(type) {
	case *And, *Or:
		rs = "(" + rs + ")"
	}
	return ls + " " + op + " " + rs
}

func (e *And) String() string { return binary(e.L, "and", e.R) }
func (e *Or) String() string  { return binary(e.L, "or", e.R) }

func (e *Not) String() string {
	switch e.X.(type) {
	case *And, *Or:
		return "not (" + e.X.String() + ")"
	}
	return "not " + e.X.String()
}

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

func (e *ProtoIs) String() string     { return "proto " + e.Proto.String() }
func (e *ClassIs) String() string     { return "class " + e.Class.String() }
func (e *ServiceIs) String() string   { return "service " + e.Name }
func (e *UIDIs) String() string       { return "uid " + strconv.FormatUint(uint64(e.UID), 10) }
func (e *ProcessIs) String() string   { return "process " + e.Name }
func (e *PIDIs) String() string       { return "pid " + strconv.FormatInt(int64(e.PID), 10) }
func (e *ContainerIs) String() string { return "container " + e.Name }
func (e *NetNSIs) String() string {
	if e.Name != "" {
		return "netns " + e.Name
	}
	return "netns " + strconv.FormatUint(uint64(e.Inode), 10)
}
