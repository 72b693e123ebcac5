package model

// Label is what conntab says about one port of a socket.
type Label struct {
	// Class is the port's class on this host (see HostFacts.Class).
	Class PortClass
	// Service is the port's service name, or "" when it has none.
	Service string
}

// Labeler labels ports for one snapshot's host facts. Either field may be
// nil: without Services no port has a name, without Host no port is
// ephemeral and every port gets its IANA class.
type Labeler struct {
	Services *Services
	Host     *HostFacts
	// UserName names uids; nil names none.
	UserName func(uid uint32) (string, bool)
	// Snapshot, when set, is where processes owning sockets are looked up
	// (Snapshot.OwnersOf).
	Snapshot *Snapshot
	// Dests, when set, is where a socket's remote endpoint's flags are
	// looked up (FlagsOf, the Flags column).
	Dests *DestIndex
}

// FlagsOf returns the flags of s's remote endpoint (Destination.Flags),
// or nil when the labeler has no index or s is not connected.
func (l Labeler) FlagsOf(s *Socket) []Flag {
	if l.Dests == nil || s.Remote.Port() == 0 {
		return nil
	}
	if d := l.Dests.Lookup(s.Proto, s.Remote); d != nil {
		return d.Flags
	}
	return nil
}

// OwnersOf returns the processes holding s (see Snapshot.OwnersOf), or nil
// when the labeler has no snapshot.
func (l Labeler) OwnersOf(s *Socket) []Owner {
	if l.Snapshot == nil {
		return nil
	}
	return l.Snapshot.OwnersOf(s)
}

// Port labels port p/port: ClassEphemeral inside the host's ephemeral range,
// else its IANA class, and its service name. A zero Host.Ephemeral (range
// unknown) makes no port ephemeral. Port 0 (an unconnected socket's remote)
// has IANA's class for it, ClassWellKnown, and no name; front ends that show
// "*" for it should show no label either.
func (l Labeler) Port(p Proto, port uint16) Label {
	name, _ := l.Services.Lookup(p, port)
	return Label{Class: l.class(port), Service: name}
}

// Service is the name of the service a socket belongs to, or "".
//
// LISTEN and UNCONN sockets take their local port's name. Any other takes
// the name of the one port that has a name; when both have one, the port
// outside the host's ephemeral range, which is the one a server bound, and
// when that does not decide, the lower port.
func (l Labeler) Service(s *Socket) string {
	lp := s.Local.Port()
	local, lok := l.Services.Lookup(s.Proto, lp)
	if s.State == StateListen || s.State == StateUnconn {
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
	le, re := l.class(lp) == ClassEphemeral, l.class(rp) == ClassEphemeral
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

func (l Labeler) class(port uint16) PortClass {
	// The kernel never picks port 0, so it is never ephemeral, even when
	// the range is unknown and left zero.
	if l.Host == nil || port == 0 {
		return IANAClass(port)
	}
	return l.Host.Class(port)
}
