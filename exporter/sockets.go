package exporter

import (
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/sample"
)

// socketsCollector counts the namespace's sockets by protocol, family and
// state.
type socketsCollector struct {
	sockets *desc
}

func newSocketsCollector() socketsCollector {
	return socketsCollector{
		sockets: newDesc("conntab_sockets",
			"Sockets in the namespace by protocol, address family and state (UDP: UNCONN or ESTABLISHED).", gauge, "proto", "family", "state"),
	}
}

// update sends conntab_sockets for every state each protocol can be in,
// 0 included: a series that vanishes at 0 would break rate() and alerts.
func (c socketsCollector) update(n *sample.Net, out *sink) {
	snap := n.Snap
	// Counted in an array, not a map: this loop sees every socket.
	var counts [2][2][model.StateUnconn + 1]int // [udp][inet6][state]; UNCONN is the highest state
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		if st := int(s.State); st < len(counts[0][0]) {
			counts[b2i(s.Proto == model.ProtoUDP)][b2i(s.Family == model.FamilyInet6)][st]++
		}
	}
	for _, p := range []model.Proto{model.ProtoTCP, model.ProtoUDP} {
		for _, f := range []model.Family{model.FamilyInet, model.FamilyInet6} {
			for _, st := range model.AllStates {
				if !stateOf(p, st) {
					continue
				}
				k := 0
				if int(st) < len(counts[0][0]) {
					k = counts[b2i(p == model.ProtoUDP)][b2i(f == model.FamilyInet6)][st]
				}
				out.add(c.sockets, float64(k), p.String(), f.String(), st.String())
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// stateOf reports whether a socket of protocol p can be in state st as
// conntab reads it: UDP is UNCONN or ESTABLISHED; TCP is neither UNCONN
// nor CLOSE (collect reads a TCP socket in CLOSE as BOUND_INACTIVE).
func stateOf(p model.Proto, st model.State) bool {
	if p == model.ProtoUDP {
		return st == model.StateUnconn || st == model.StateEstablished
	}
	return st != model.StateUnconn && st != model.StateClose
}
