package model

import (
	"fmt"
	"strconv"
	"strings"
)

// PortClass is a port's class in IANA's registry (RFC 6335), or
// ClassEphemeral when it lies in this host's ephemeral range.
type PortClass uint8

// Port classes.
const (
	ClassWellKnown  PortClass = iota + 1 // 0-1023, system ports
	ClassRegistered                      // 1024-49151, user ports
	ClassDynamic                         // 49152-65535, dynamic or private ports
	ClassEphemeral                       // inside net.ipv4.ip_local_port_range
)

var classNames = [...]string{ClassWellKnown: "well-known", ClassRegistered: "registered", ClassDynamic: "dynamic", ClassEphemeral: "ephemeral"}

func (c PortClass) String() string {
	if c >= ClassWellKnown && c <= ClassEphemeral {
		return classNames[c]
	}
	return "class(" + itoa(uint64(c)) + ")"
}

var classShort = [...]string{ClassWellKnown: "wk", ClassRegistered: "reg", ClassDynamic: "dyn", ClassEphemeral: "eph"}

// Short is the class in at most three letters, for narrow columns.
func (c PortClass) Short() string {
	if c >= ClassWellKnown && c <= ClassEphemeral {
		return classShort[c]
	}
	return "?"
}

// ParsePortClass reads a class as String spells it.
func ParsePortClass(name string) (PortClass, error) {
	for c := ClassWellKnown; c <= ClassEphemeral; c++ {
		if name == classNames[c] {
			return c, nil
		}
	}
	return 0, fmt.Errorf("unknown port class %q (want well-known, registered, dynamic or ephemeral)", name)
}

// IANAClass is the class IANA gives port p, whatever this host's range.
func IANAClass(p uint16) PortClass {
	switch {
	case p < 1024:
		return ClassWellKnown
	case p < 49152:
		return ClassRegistered
	}
	return ClassDynamic
}

// PortRange is an inclusive range of ports.
type PortRange struct{ Lo, Hi uint16 }

// Contains reports whether p lies in the range.
func (r PortRange) Contains(p uint16) bool { return r.Lo <= p && p <= r.Hi }

// Size is the number of ports in the range.
func (r PortRange) Size() int {
	if r.Hi < r.Lo {
		return 0
	}
	return int(r.Hi) - int(r.Lo) + 1
}

func (r PortRange) String() string {
	if r.Lo == r.Hi {
		return strconv.Itoa(int(r.Lo))
	}
	return strconv.Itoa(int(r.Lo)) + "-" + strconv.Itoa(int(r.Hi))
}

// Class is the class port p has on this host: ClassEphemeral inside the
// host's ephemeral range, else its IANA class.
func (h *HostFacts) Class(p uint16) PortClass {
	// The zero range means the range is not known, not port 0.
	if h.Ephemeral != (PortRange{}) && h.Ephemeral.Contains(p) {
		return ClassEphemeral
	}
	return IANAClass(p)
}

// IsReserved reports whether p is in ip_local_reserved_ports.
func (h *HostFacts) IsReserved(p uint16) bool {
	for _, r := range h.Reserved {
		if r.Contains(p) {
			return true
		}
	}
	return false
}

// ParsePortRange reads net.ipv4.ip_local_port_range ("32768\t60999").
func ParsePortRange(s string) (PortRange, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return PortRange{}, fmt.Errorf("port range %q: want two numbers", s)
	}
	lo, err1 := strconv.ParseUint(f[0], 10, 16)
	hi, err2 := strconv.ParseUint(f[1], 10, 16)
	if err1 != nil || err2 != nil || lo > hi {
		return PortRange{}, fmt.Errorf("port range %q: want two ports, low first", s)
	}
	return PortRange{uint16(lo), uint16(hi)}, nil
}

// ParsePortList reads net.ipv4.ip_local_reserved_ports ("8080,9000-9010", or
// empty).
func ParsePortList(s string) ([]PortRange, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var out []PortRange
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		l, err1 := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
		h, err2 := strconv.ParseUint(strings.TrimSpace(hi), 10, 16)
		if err1 != nil || err2 != nil || l > h {
			return nil, fmt.Errorf("port list %q: bad entry %q", s, part)
		}
		out = append(out, PortRange{uint16(l), uint16(h)})
	}
	return out, nil
}
