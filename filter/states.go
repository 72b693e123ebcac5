package filter

import (
	"strings"

	"github.com/conntab/conntab/model"
)

// stateAtoms name the states one by one, in the spelling ss uses. Their
// sets do not overlap, so every state set has one canonical spelling:
// syn-recv takes request sockets (NEW_SYN_RECV) along, as the kernel does.
var stateAtoms = []struct {
	name string
	set  model.StateSet
}{
	{"established", model.NewStateSet(model.StateEstablished)},
	{"syn-sent", model.NewStateSet(model.StateSynSent)},
	{"syn-recv", model.NewStateSet(model.StateSynRecv, model.StateNewSynRecv)},
	{"fin-wait-1", model.NewStateSet(model.StateFinWait1)},
	{"fin-wait-2", model.NewStateSet(model.StateFinWait2)},
	{"time-wait", model.NewStateSet(model.StateTimeWait)},
	{"close", model.NewStateSet(model.StateClose)},
	{"close-wait", model.NewStateSet(model.StateCloseWait)},
	{"last-ack", model.NewStateSet(model.StateLastAck)},
	{"listening", model.NewStateSet(model.StateListen)},
	{"closing", model.NewStateSet(model.StateClosing)},
	{"bound-inactive", model.NewStateSet(model.StateBoundInactive)},
	{"unconn", model.NewStateSet(model.StateUnconn)},
}

var (
	// closedSet is ss's "closed": every socket the kernel has in TCP_CLOSE,
	// which is an unconnected UDP socket or a bound-only TCP one.
	closedSet    = model.NewStateSet(model.StateClose, model.StateUnconn, model.StateBoundInactive)
	connectedSet = model.AllStateSet &^ (closedSet | model.NewStateSet(model.StateListen))
	bucketSet    = model.NewStateSet(model.StateSynRecv, model.StateNewSynRecv, model.StateTimeWait)
)

// stateGroup is the states of one of ss's groups, or of an alias. A
// switch, not a map: a package-level map is built by the package's
// initialiser, at the start of every command.
func stateGroup(name string) (model.StateSet, bool) {
	switch name {
	case "all":
		return model.AllStateSet, true
	case "connected":
		return connectedSet, true
	case "synchronized":
		return connectedSet &^ model.NewStateSet(model.StateSynSent), true
	case "bucket":
		return bucketSet, true
	case "big":
		return model.AllStateSet &^ bucketSet, true
	case "closed":
		return closedSet, true
	case "listen":
		return model.NewStateSet(model.StateListen), true
	case "unconnected":
		return model.NewStateSet(model.StateUnconn), true
	}
	return 0, false
}

// stateNamed reads a state or group: ss's spelling (time-wait), the
// kernel's (TIME_WAIT), case-insensitively.
func stateNamed(s string) (model.StateSet, bool) {
	name := strings.ToLower(strings.ReplaceAll(s, "_", "-"))
	for _, a := range stateAtoms {
		if name == a.name {
			return a.set, true
		}
	}
	if set, ok := stateGroup(name); ok {
		return set, true
	}
	// Kernel spellings without ss's dash before the digit: FIN_WAIT1.
	switch name {
	case "fin-wait1":
		return model.NewStateSet(model.StateFinWait1), true
	case "fin-wait2":
		return model.NewStateSet(model.StateFinWait2), true
	case "new-syn-recv":
		return stateAtoms[2].set, true
	}
	return 0, false
}

// namedGroups are tried, in this order, as the spelling of a whole set.
var namedGroups = []string{"connected", "synchronized", "bucket", "big", "closed"}

// statesString spells a state set as state clauses: "state all", a group,
// the states one by one, or what is excluded from all, whichever is
// shortest.
func statesString(set model.StateSet) string {
	switch set {
	case model.AllStateSet:
		return "state all"
	case 0:
		return "exclude all"
	}
	for _, g := range namedGroups {
		if gs, _ := stateGroup(g); gs == set {
			return "state " + g
		}
	}
	var in, out []string
	for _, a := range stateAtoms {
		switch {
		case set&a.set == a.set:
			in = append(in, "state "+a.name)
		case set&a.set == 0:
			out = append(out, "exclude "+a.name)
		}
	}
	if len(out) < len(in) {
		return strings.Join(out, " ")
	}
	return strings.Join(in, " ")
}

// String is the canonical spelling of f, which Parse reads back to an
// equal Filter.
func (f *Filter) String() string {
	var parts []string
	if f.HasStates {
		parts = append(parts, statesString(f.States))
	}
	if f.Expr != nil {
		parts = append(parts, f.Expr.String())
	}
	return strings.Join(parts, " ")
}
