package model

import (
	"fmt"
	"strings"
)

// State is a socket state. TCP states carry the kernel's numbers
// (include/net/tcp_states.h). UDP sockets are either StateEstablished
// (connected) or StateUnconn (the kernel's TCP_CLOSE on a UDP socket).
type State uint8

// States.
const (
	StateEstablished   State = 1
	StateSynSent       State = 2
	StateSynRecv       State = 3
	StateFinWait1      State = 4
	StateFinWait2      State = 5
	StateTimeWait      State = 6
	StateClose         State = 7
	StateCloseWait     State = 8
	StateLastAck       State = 9
	StateListen        State = 10
	StateClosing       State = 11
	StateNewSynRecv    State = 12
	StateBoundInactive State = 13
	// StateUnconn is an unconnected UDP socket. It has no kernel number of
	// its own: the kernel reports TCP_CLOSE.
	StateUnconn State = 32
)

var stateNames = [...]string{
	StateEstablished:   "ESTABLISHED",
	StateSynSent:       "SYN_SENT",
	StateSynRecv:       "SYN_RECV",
	StateFinWait1:      "FIN_WAIT1",
	StateFinWait2:      "FIN_WAIT2",
	StateTimeWait:      "TIME_WAIT",
	StateClose:         "CLOSE",
	StateCloseWait:     "CLOSE_WAIT",
	StateLastAck:       "LAST_ACK",
	StateListen:        "LISTEN",
	StateClosing:       "CLOSING",
	StateNewSynRecv:    "NEW_SYN_RECV",
	StateBoundInactive: "BOUND_INACTIVE",
	StateUnconn:        "UNCONN",
}

// AllStates lists every state in kernel order, UNCONN last.
var AllStates = []State{
	StateEstablished, StateSynSent, StateSynRecv, StateFinWait1, StateFinWait2,
	StateTimeWait, StateClose, StateCloseWait, StateLastAck, StateListen,
	StateClosing, StateNewSynRecv, StateBoundInactive, StateUnconn,
}

func (s State) String() string {
	if int(s) < len(stateNames) && stateNames[s] != "" {
		return stateNames[s]
	}
	return "STATE(" + itoa(uint64(s)) + ")"
}

// ParseState reads a state name as String spells it, case-insensitively.
func ParseState(name string) (State, error) {
	for _, s := range AllStates {
		if strings.EqualFold(name, stateNames[s]) {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown state %q", name)
}

// StateSet is a set of states, one bit per state (bit 1<<State).
type StateSet uint64

// States that make up the common sets.
const (
	// AllStateSet holds every state.
	AllStateSet StateSet = 1<<StateEstablished | 1<<StateSynSent | 1<<StateSynRecv |
		1<<StateFinWait1 | 1<<StateFinWait2 | 1<<StateTimeWait | 1<<StateClose |
		1<<StateCloseWait | 1<<StateLastAck | 1<<StateListen | 1<<StateClosing |
		1<<StateNewSynRecv | 1<<StateBoundInactive | 1<<StateUnconn
	// ListeningStateSet is what `-l` shows: TCP listeners and unconnected
	// UDP sockets, as ss shows them.
	ListeningStateSet StateSet = 1<<StateListen | 1<<StateUnconn
)

// NewStateSet returns the set holding states.
func NewStateSet(states ...State) StateSet {
	var set StateSet
	for _, s := range states {
		set |= 1 << s
	}
	return set
}

// Has reports whether s is in the set.
func (set StateSet) Has(s State) bool { return set&(1<<s) != 0 }

// KernelMask is the inet_diag idiag_states bitmask that asks the kernel for
// the states in set on protocol p. UNCONN is the kernel's TCP_CLOSE on UDP.
// SYN_RECV asks for request sockets (NEW_SYN_RECV) too, as the kernel does.
func (set StateSet) KernelMask(p Proto) uint32 {
	m := uint32(set) & (1<<14 - 1) &^ 1
	if p == ProtoUDP {
		m &= 1<<StateEstablished | 1<<StateClose
		if set.Has(StateUnconn) {
			m |= 1 << StateClose
		}
	}
	return m
}

func (set StateSet) String() string {
	if set == AllStateSet {
		return "all"
	}
	var b strings.Builder
	for _, s := range AllStates {
		if set.Has(s) {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(s.String())
		}
	}
	return b.String()
}

// StateCounts counts sockets by state. Read it with Of: the array is laid
// out by kernel state number, with UNCONN and any state conntab does not
// know in slots of their own.
type StateCounts [16]int32

const (
	slotUnconn = 14
	slotOther  = 15
)

// StateSlot is the index of state s in a StateCounts: the kernel state number,
// with UNCONN and any state conntab does not know in slots of their own.
func StateSlot(s State) int {
	switch {
	case s >= StateEstablished && s <= StateBoundInactive:
		return int(s)
	case s == StateUnconn:
		return slotUnconn
	}
	return slotOther
}

// Add counts one socket in state s.
func (c *StateCounts) Add(s State) { c[StateSlot(s)]++ }

// Of is the number of sockets in state s. States conntab does not know
// share one count.
func (c *StateCounts) Of(s State) int { return int(c[StateSlot(s)]) }
