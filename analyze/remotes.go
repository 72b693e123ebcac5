package analyze

import (
	"net/netip"

	"github.com/conntab/conntab/model"
)

// RemoteGroup is one row of a front end's remote endpoints: the connected
// sockets (remote port not 0) of one protocol, either to one remote
// endpoint (outbound) or from one remote address to one local service
// (inbound). The remote port of an inbound connection is the client's
// ephemeral port, one per connection: a row per remote endpoint would
// make a row of each connection a server accepted.
type RemoteGroup struct {
	Proto model.Proto
	// Remote is the remote endpoint of an outbound group; of an inbound
	// one, the remote address with port 0.
	Remote netip.AddrPort
	// Inbound marks a group of connections to this host's service on
	// LocalPort (Inbound.Of says which connections are).
	Inbound   bool
	LocalPort uint16
	States    model.StateCounts
	Total     int
	// Dest is the whole host's row for an outbound group's endpoint, for
	// its pool and flags; nil for an inbound group, or without one.
	Dest *Destination
	// Flags are an inbound group's endpoints' flags (CLOSE_WAIT ones, by
	// the host's index), each once; an outbound group's are Dest's.
	Flags []Flag
}

// Severity is the worst severity among the group's flags.
func (g *RemoteGroup) Severity() Severity {
	if g.Dest != nil {
		return g.Dest.Severity()
	}
	return worst(g.Flags)
}

// Inbound tells the connections a host accepted from those it made. A
// connection is inbound when its local port is a service's, one that a
// listening TCP socket or an unconnected UDP socket holds (on any
// address), or when its remote port is in the ephemeral range and its
// local port is not: a client's port talking to a fixed one.
type Inbound struct {
	tcp, udp portSet
	eph      model.PortRange
}

// NewInbound finds the services' ports in snap, which should be the
// whole snapshot: a filter that hid a listener would turn its
// connections outbound.
func NewInbound(snap *model.Snapshot) *Inbound {
	in := &Inbound{eph: snap.Host.Ephemeral}
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		switch {
		case s.Proto == model.ProtoTCP && s.State == model.StateListen:
			in.tcp.add(s.Local.Port())
		case s.Proto == model.ProtoUDP && s.Remote.Port() == 0:
			in.udp.add(s.Local.Port())
		}
	}
	return in
}

// Of reports whether s is an inbound connection.
func (in *Inbound) Of(s *model.Socket) bool {
	lp := s.Local.Port()
	services := &in.tcp
	if s.Proto == model.ProtoUDP {
		services = &in.udp
	}
	if services.has(lp) {
		return true
	}
	return in.eph.Size() > 0 && in.eph.Contains(s.Remote.Port()) && !in.eph.Contains(lp)
}

// remoteKey identifies a RemoteGroup.
type remoteKey struct {
	remote  netip.AddrPort
	local   uint16
	proto   model.Proto
	inbound bool
}

// GroupRemotes counts snap's connected sockets into RemoteGroups, in the
// order snap first names them: outbound ones by remote endpoint, inbound
// ones (in says which) by remote address and local port. host, the whole
// snapshot's index, gives outbound groups their Dest and inbound ones
// their endpoints' flags; it may be nil.
func GroupRemotes(snap *model.Snapshot, in *Inbound, host *DestIndex) []RemoteGroup {
	var groups []RemoteGroup
	index := map[remoteKey]int32{}
	// flagged remembers, per inbound group, the flagged endpoints whose
	// flags it already has.
	flagged := map[remoteKey][]*Destination{}
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		if s.Remote.Port() == 0 {
			continue
		}
		k := remoteKey{remote: s.Remote, proto: s.Proto}
		if in.Of(s) {
			k = remoteKey{remote: netip.AddrPortFrom(s.Remote.Addr(), 0), local: s.Local.Port(), proto: s.Proto, inbound: true}
		}
		gi, ok := index[k]
		if !ok {
			gi = int32(len(groups))
			index[k] = gi
			g := RemoteGroup{Proto: s.Proto, Remote: k.remote, Inbound: k.inbound, LocalPort: k.local}
			if !k.inbound {
				g.Dest = host.Lookup(s.Proto, s.Remote)
				if g.Dest != nil {
					g.Flags = g.Dest.Flags
				}
			}
			groups = append(groups, g)
		}
		g := &groups[gi]
		g.States.Add(s.State)
		g.Total++
		if k.inbound && s.State == model.StateCloseWait {
			// Only CLOSE_WAIT raises an endpoint's own flags.
			if d := host.Lookup(s.Proto, s.Remote); d != nil && len(d.Flags) > 0 && !hasDest(flagged[k], d) {
				flagged[k] = append(flagged[k], d)
				g.Flags = append(g.Flags, d.Flags...)
			}
		}
	}
	return groups
}

func hasDest(ds []*Destination, d *Destination) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}
