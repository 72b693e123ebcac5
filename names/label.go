package names

import (
	"strconv"

	"github.com/conntab/conntab/model"
)

// Label is what conntab says about one port of a socket.
type Label struct {
	// Class is the port's class on this host (see HostFacts.Class).
	Class model.PortClass
	// Service is the port's service name, or "" when it has none.
	Service string
}

// Labeler names what a socket holds: its ports' classes and services, its
// user, its processes. Any field may be nil: without Services no port has
// a name, without Host no port is ephemeral and every port gets its IANA
// class, without Snapshot no socket has processes.
type Labeler struct {
	Services *Services
	Host     *model.HostFacts
	// UserName names uids; nil names none.
	UserName func(uid uint32) (string, bool)
	// Snapshot, when set, is where processes owning sockets are looked up
	// (Snapshot.OwnersOf).
	Snapshot *model.Snapshot
}

// OwnersOf returns the processes holding s (see Snapshot.OwnersOf), or nil
// when the labeler has no snapshot.
func (l Labeler) OwnersOf(s *model.Socket) []model.Owner {
	if l.Snapshot == nil {
		return nil
	}
	return l.Snapshot.OwnersOf(s)
}

// User is the name of the user owning s, or its uid when it has none.
func (l Labeler) User(s *model.Socket) string {
	if l.UserName != nil {
		if name, ok := l.UserName(s.UID); ok {
			return name
		}
	}
	return strconv.FormatUint(uint64(s.UID), 10)
}

// Port labels port p/port: ClassEphemeral inside the host's ephemeral range,
// else its IANA class, and its service name. A zero Host.Ephemeral (range
// unknown) makes no port ephemeral. Port 0 (an unconnected socket's remote)
// has IANA's class for it, ClassWellKnown, and no name; front ends that show
// "*" for it should show no label either.
func (l Labeler) Port(p model.Proto, port uint16) Label {
	name, _ := l.Services.Lookup(p, port)
	return Label{Class: l.Class(port), Service: name}
}

// Service is the name of the service a socket belongs to, or "".
//
// LISTEN and UNCONN sockets take their local port's name. Any other takes
// the name of the one port that has a name; when both have one, the port
// outside the host's ephemeral range, which is the one a server bound, and
// when that does not decide, the lower port.
func (l Labeler) Service(s *model.Socket) string {
	lp := s.Local.Port()
	local, lok := l.Services.Lookup(s.Proto, lp)
	if s.State == model.StateListen || s.State == model.StateUnconn {
		return local
	}
	rp := s.Remote.Port()
	remote, rok := l.Services.Lookup(s.Proto, rp)
	switch {
	case !rok:
		return local
	case !lok:
		return remote
	}
	le, re := l.Class(lp) == model.ClassEphemeral, l.Class(rp) == model.ClassEphemeral
	if le != re {
		if le {
			return remote
		}
		return local
	}
	if rp < lp {
		return remote
	}
	return local
}

// Class is port's class on the labeler's host: HostFacts.Class, or IANA's
// class without a host.
func (l Labeler) Class(port uint16) model.PortClass {
	// The kernel never picks port 0, so it is never ephemeral, even when
	// the range is unknown and left zero.
	if l.Host == nil || port == 0 {
		return model.IANAClass(port)
	}
	return l.Host.Class(port)
}
