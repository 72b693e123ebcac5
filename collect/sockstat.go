package collect

import (
	"bytes"
	"math"

	"github.com/conntab/conntab/model"
)

// procSockstat holds the counts of /proc/net/sockstat{,6} that size a dump.
type procSockstat struct {
	tcp, tcp6, tw, udp, udp6 int
}

// inuse is what sockstat counts of p and f.
func (s *procSockstat) inuse(p model.Proto, f model.Family) int {
	switch {
	case p == model.ProtoTCP && f == model.FamilyInet:
		return s.tcp + s.tw // tw counts both families
	case p == model.ProtoTCP && f == model.FamilyInet6:
		return s.tcp6
	case p == model.ProtoUDP && f == model.FamilyInet:
		return s.udp
	case p == model.ProtoUDP && f == model.FamilyInet6:
		return s.udp6
	}
	return 0
}

// parseProcSockstat adds the lines "TCP: inuse N orphan O tw T ...",
// "UDP: inuse N ...", "TCP6: inuse N", "UDP6: inuse N" of b to s. Anything
// it does not understand is ignored: the counts are only a size hint.
func parseProcSockstat(s *procSockstat, b []byte) {
	for line := range bytes.Lines(b) {
		key, i := procField(line, 0)
		for {
			var name, val []byte
			name, i = procField(line, i)
			val, i = procField(line, i)
			if len(val) == 0 {
				break
			}
			n, ok := procUint(bytes.TrimSpace(val), math.MaxInt32)
			if !ok {
				continue
			}
			switch string(key) + " " + string(name) {
			case "TCP: inuse":
				s.tcp = int(n)
			case "TCP: tw":
				s.tw = int(n)
			case "TCP6: inuse":
				s.tcp6 = int(n)
			case "UDP: inuse":
				s.udp = int(n)
			case "UDP6: inuse":
				s.udp6 = int(n)
			}
		}
	}
}

// estimate is how many sockets of protos, families and states a dump or
// the /proc files list, with room for those that come while they are
// read; 0 when sockstat could not tell. Listeners are few: a dump of them
// alone gets no estimate.
func (s procSockstat) estimate(protos []model.Proto, families []model.Family, states model.StateSet) int {
	const notConnections = model.StateSet(1<<model.StateListen | 1<<model.StateTimeWait |
		1<<model.StateBoundInactive | 1<<model.StateClose | 1<<model.StateUnconn)
	n := 0
	for _, p := range protos {
		for _, f := range families {
			switch {
			case p == model.ProtoUDP:
				n += s.inuse(p, f)
			case states&^notConnections != 0:
				// Connections are counted as in use, with the listeners.
				n += s.inuse(p, f)
				if f == model.FamilyInet {
					n -= s.tw
				}
			}
			if p == model.ProtoTCP && f == model.FamilyInet && states.Has(model.StateTimeWait) {
				n += s.tw // one count for both families
			}
		}
	}
	if n <= 0 {
		return 0
	}
	return n + n/8 + 64
}

// estimateOne is estimate for one file, proto over family. TIME_WAIT
// sockets are counted once for both families, so an IPv6 file is given
// room for all of them.
func (s procSockstat) estimateOne(proto model.Proto, family model.Family, states model.StateSet) int {
	n := s.estimate([]model.Proto{proto}, []model.Family{family}, states)
	if proto == model.ProtoTCP && family == model.FamilyInet6 && states.Has(model.StateTimeWait) && s.tw > 0 {
		n += s.tw + s.tw/8
	}
	return n
}
