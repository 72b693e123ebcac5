package render

import (
	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// Labeler is what the listing's cells need besides the socket: the names
// (names.Labeler) and the flags of the sample's destinations.
type Labeler struct {
	names.Labeler
	// Dests, when set, is where a socket's remote endpoint's flags are
	// looked up (FlagsOf, the Flags column).
	Dests *analyze.DestIndex
	// Hosts, when set, names addresses (-r): Local and Peer show a named
	// address as name:port.
	Hosts names.Hosts
}

// source is where the labeled snapshot's sockets came from, 0 when the
// Labeler has no snapshot (then every figure is taken as read).
func (l *Labeler) source() model.Source {
	if l == nil || l.Snapshot == nil {
		return 0
	}
	return l.Snapshot.Source
}

// FlagsOf returns the flags of s's remote endpoint (Destination.Flags),
// or nil when the labeler has no index or s is not connected.
func (l Labeler) FlagsOf(s *model.Socket) []analyze.Flag {
	if l.Dests == nil || s.Remote.Port() == 0 {
		return nil
	}
	if d := l.Dests.Lookup(s.Proto, s.Remote); d != nil {
		return d.Flags
	}
	return nil
}
