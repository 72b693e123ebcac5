package filter

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// Matcher is a compiled filter. Match allocates nothing.
type Matcher struct {
	states    model.StateSet
	hasStates bool
	match     func(s *model.Socket) bool
}

// Compile makes f ready to match sockets labelled by l, resolving service
// names in ports. l is kept: its Host may change between snapshots. A
// service name l does not know is a *SyntaxError pointing at it in
// f.Input, as Parse's errors point.
func (f *Filter) Compile(l *names.Labeler) (*Matcher, error) {
	m := &Matcher{states: f.States, hasStates: f.HasStates}
	if f.Expr != nil {
		var err error
		if m.match, err = compile(f.Expr, l); err != nil {
			if se, ok := err.(*SyntaxError); ok {
				se.Input = f.Input
			}
			return nil, err
		}
	}
	return m, nil
}

// Match reports whether the filter selects s.
func (m *Matcher) Match(s *model.Socket) bool {
	if m.hasStates && !m.states.Has(s.State) {
		return false
	}
	return m.match == nil || m.match(s)
}

// Keep narrows socks, in place, to the sockets the filter selects and
// also (when not nil) accepts, and returns them.
func (m *Matcher) Keep(socks []model.Socket, also func(*model.Socket) bool) []model.Socket {
	kept := socks[:0]
	for i := range socks {
		if s := &socks[i]; m.Match(s) && (also == nil || also(s)) {
			kept = append(kept, *s)
		}
	}
	return kept
}

func compile(e Expr, l *names.Labeler) (func(*model.Socket) bool, error) {
	switch e := e.(type) {
	case *And:
		a, b, err := compileBoth(e.L, e.R, l)
		if err != nil {
			return nil, err
		}
		return func(s *model.Socket) bool { return a(s) && b(s) }, nil
	case *Or:
		a, b, err := compileBoth(e.L, e.R, l)
		if err != nil {
			return nil, err
		}
		return func(s *model.Socket) bool { return a(s) || b(s) }, nil
	case *Not:
		x, err := compile(e.X, l)
		if err != nil {
			return nil, err
		}
		return func(s *model.Socket) bool { return !x(s) }, nil
	case *PortCmp:
		port, err := resolve(e.Port, l)
		if err != nil {
			return nil, err
		}
		cmp := comparer(e.Op, port)
		switch e.Side {
		case Src:
			return func(s *model.Socket) bool { return cmp(s.Local.Port()) }, nil
		case Dst:
			return func(s *model.Socket) bool { return cmp(s.Remote.Port()) }, nil
		}
		return func(s *model.Socket) bool { return cmp(s.Local.Port()) || cmp(s.Remote.Port()) }, nil
	case *AddrMatch:
		return compileAddr(e, l)
	case *ProtoIs:
		p := e.Proto
		return func(s *model.Socket) bool { return s.Proto == p }, nil
	case *ClassIs:
		c := e.Class
		return func(s *model.Socket) bool {
			lp, rp := s.Local.Port(), s.Remote.Port()
			return lp != 0 && l.Port(s.Proto, lp).Class == c || rp != 0 && l.Port(s.Proto, rp).Class == c
		}, nil
	case *ServiceIs:
		name := e.Name
		return func(s *model.Socket) bool { return l.Service(s) == name }, nil
	case *UIDIs:
		uid := e.UID
		return func(s *model.Socket) bool { return s.UID == uid }, nil
	case *ProcessIs:
		name := e.Name
		return func(s *model.Socket) bool {
			for _, o := range l.OwnersOf(s) {
				if o.Comm == name {
					return true
				}
			}
			return false
		}, nil
	case *PIDIs:
		pid := e.PID
		return func(s *model.Socket) bool {
			for _, o := range l.OwnersOf(s) {
				if o.PID == pid {
					return true
				}
			}
			return false
		}, nil
	case *NetNSIs:
		return compileNetNS(e, l), nil
	case *ContainerIs:
		return compileContainer(e, l), nil
	}
	return nil, fmt.Errorf("cannot compile %T", e)
}

// compileNetNS matches by inode, or by the `ip netns` name of the
// snapshot's namespace (l.Snapshot, looked up at each match: the
// snapshot changes between samples).
func compileNetNS(e *NetNSIs, l *names.Labeler) func(*model.Socket) bool {
	if e.Name == "" {
		ino := e.Inode
		return func(s *model.Socket) bool { return s.NetNS == ino }
	}
	name := e.Name
	return func(s *model.Socket) bool {
		ns := l.Snapshot.NamespaceOf(s.NetNS)
		return ns != nil && ns.Name == name
	}
}

// compileContainer matches the container of the socket's namespace.
func compileContainer(e *ContainerIs, l *names.Labeler) func(*model.Socket) bool {
	name := e.Name
	idPrefix := len(name) >= 12 && isHexWord(name)
	return func(s *model.Socket) bool {
		ns := l.Snapshot.NamespaceOf(s.NetNS)
		if ns == nil || ns.Container == nil {
			return false
		}
		c := ns.Container
		return c.Name == name || c.Pod == name || ns.Label() == name ||
			idPrefix && strings.HasPrefix(c.ID, name)
	}
}

func isHexWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if c := w[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func compileBoth(x, y Expr, l *names.Labeler) (a, b func(*model.Socket) bool, err error) {
	if a, err = compile(x, l); err != nil {
		return nil, nil, err
	}
	b, err = compile(y, l)
	return a, b, err
}

func compileAddr(e *AddrMatch, l *names.Labeler) (func(*model.Socket) bool, error) {
	var port uint16
	if !e.AnyPort {
		var err error
		if port, err = resolve(e.Port, l); err != nil {
			return nil, err
		}
	}
	pfx, anyPort, anyAddr := e.Prefix, e.AnyPort, !e.Prefix.IsValid()
	pfx6 := pfx.IsValid() && pfx.Addr().Is6()
	side := e.Side
	return func(s *model.Socket) bool {
		ap := s.Local
		if side == Dst {
			ap = s.Remote
		}
		if !anyPort && ap.Port() != port {
			return false
		}
		a := ap.Addr()
		// An IPv6 socket's v4-mapped address is stored as IPv4; an IPv6
		// prefix (::/0, ::ffff:0:0/96) still holds it, as ss finds.
		return anyAddr || pfx.Contains(a) || pfx6 && a.Is4() && s.Family == model.FamilyInet6 && pfx.Contains(netip.AddrFrom16(a.As16()))
	}, nil
}

// resolve turns a port name into its number, by the service table.
func resolve(p Port, l *names.Labeler) (uint16, error) {
	if p.Name == "" {
		return p.Num, nil
	}
	if l != nil {
		if n, ok := l.Services.PortByName(p.Name); ok {
			return n, nil
		}
	}
	return 0, &SyntaxError{Col: p.Col, Msg: fmt.Sprintf("unknown service %q (not in /etc/services nor conntab's own table)", p.Name)}
}

func comparer(op Op, want uint16) func(uint16) bool {
	switch op {
	case Ne:
		return func(p uint16) bool { return p != want }
	case Lt:
		return func(p uint16) bool { return p < want }
	case Le:
		return func(p uint16) bool { return p <= want }
	case Gt:
		return func(p uint16) bool { return p > want }
	case Ge:
		return func(p uint16) bool { return p >= want }
	}
	return func(p uint16) bool { return p == want }
}
