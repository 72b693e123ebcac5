package analyze

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/conntab/conntab/model"
)

// WhatIf is a change of the settings a namespace's ephemeral ports are
// judged by, tried on a sample (`conntab ports --what-if`): the pools,
// their usable ports, the rates they sustain and the findings are worked
// out again under it. Nothing changes on the host.
type WhatIf struct {
	// Range replaces net.ipv4.ip_local_port_range; zero keeps it.
	Range model.PortRange
	// Reserved replaces net.ipv4.ip_local_reserved_ports when SetReserved.
	Reserved    []model.PortRange
	SetReserved bool
	// TwReuse replaces net.ipv4.tcp_tw_reuse when SetTwReuse.
	TwReuse    int
	SetTwReuse bool
	// Timestamps replaces net.ipv4.tcp_timestamps when SetTimestamps
	// (tcp_tw_reuse needs them).
	Timestamps    int
	SetTimestamps bool
	// Sources is how many local addresses connect() would spread each
	// destination's connections over (bind to each with
	// IP_BIND_ADDRESS_NO_PORT): each pool's U times as many. 0 or 1 keeps
	// one.
	Sources int
}

// whatIfSettings are the names --what-if takes, with what each stands for.
var whatIfSettings = [...]struct{ name, sysctl, want string }{
	{"range", "ip_local_port_range", "two ports, low first: range=1024-65535"},
	{"reserved", "ip_local_reserved_ports", "a list of ports and ranges, or nothing: reserved=8080,9000-9010"},
	{"tw_reuse", "tcp_tw_reuse", "0, 1 or 2: tw_reuse=1"},
	{"timestamps", "tcp_timestamps", "0, 1 or 2: timestamps=1"},
	{"sources", "local source addresses per destination", "a number of addresses from 2 to 1024: sources=4"},
}

// ParseWhatIf adds one SETTING=VALUE to w. The error quotes what was
// given and says what each setting takes.
func ParseWhatIf(w *WhatIf, arg string) error {
	name, value, ok := strings.Cut(arg, "=")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok {
		return fmt.Errorf("%q: want SETTING=VALUE, where SETTING is one of %s", arg, whatIfNames())
	}
	var err error
	switch name {
	case "range":
		lo, hi, dash := strings.Cut(value, "-")
		if !dash {
			err = fmt.Errorf("no dash")
			break
		}
		w.Range, err = model.ParsePortRange(lo + " " + hi)
		if err == nil && w.Range.Lo == 0 {
			err = fmt.Errorf("port 0 is not a port connect() can pick")
		}
	case "reserved":
		w.Reserved, err = model.ParsePortList(value)
		w.SetReserved = err == nil
	case "tw_reuse":
		w.TwReuse, err = whatIfCode(value)
		w.SetTwReuse = err == nil
	case "timestamps":
		w.Timestamps, err = whatIfCode(value)
		w.SetTimestamps = err == nil
	case "sources":
		w.Sources, err = strconv.Atoi(value)
		if err == nil && (w.Sources < 2 || w.Sources > 1024) {
			err = fmt.Errorf("out of range")
		}
	default:
		return fmt.Errorf("%q: no setting %q; want one of %s", arg, name, whatIfNames())
	}
	if err != nil {
		for _, s := range whatIfSettings {
			if s.name == name {
				return fmt.Errorf("%q: want %s", arg, s.want)
			}
		}
	}
	return nil
}

// whatIfCode reads a sysctl's 0, 1 or 2.
func whatIfCode(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 2 {
		return 0, fmt.Errorf("not 0, 1 or 2")
	}
	return n, nil
}

func whatIfNames() string {
	names := make([]string, len(whatIfSettings))
	for i, s := range whatIfSettings {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

// IsZero reports whether w changes nothing.
func (w *WhatIf) IsZero() bool {
	return w == nil || w.Range == (model.PortRange{}) && !w.SetReserved && !w.SetTwReuse && !w.SetTimestamps && w.Sources <= 1
}

// Apply is h with w's settings in place of the ones read.
func (w *WhatIf) Apply(h model.HostFacts) model.HostFacts {
	if w.Range != (model.PortRange{}) {
		h.Ephemeral = w.Range
	}
	if w.SetReserved {
		h.Reserved = w.Reserved
	}
	if w.SetTwReuse {
		h.Settings.TCPTwReuse = w.TwReuse
	}
	if w.SetTimestamps {
		h.Settings.TCPTimestamps = w.Timestamps
	}
	return h
}

// Change is one setting w changes: its sysctl name, the value read and
// the value tried.
type Change struct{ Setting, From, To string }

// Changes are the settings w changes from h's, in --what-if's order of
// settings.
func (w *WhatIf) Changes(h *model.HostFacts) []Change {
	var cs []Change
	add := func(i int, from, to string) { cs = append(cs, Change{whatIfSettings[i].sysctl, from, to}) }
	if w.Range != (model.PortRange{}) {
		add(0, h.Ephemeral.String(), w.Range.String())
	}
	if w.SetReserved {
		add(1, portList(h.Reserved), portList(w.Reserved))
	}
	if w.SetTwReuse {
		add(2, strconv.Itoa(h.Settings.TCPTwReuse), strconv.Itoa(w.TwReuse))
	}
	if w.SetTimestamps {
		add(3, strconv.Itoa(h.Settings.TCPTimestamps), strconv.Itoa(w.Timestamps))
	}
	if w.Sources > 1 {
		add(4, "1", strconv.Itoa(w.Sources))
	}
	return cs
}

// ApplyPools gives each pool of ix, and U, Sources times the ports: the
// what-if of more local addresses, which Apply's host facts cannot say.
func (w *WhatIf) ApplyPools(ix *DestIndex) {
	if w.Sources <= 1 {
		return
	}
	ix.Usable *= w.Sources
	for i := range ix.Pools {
		ix.Pools[i].Usable *= w.Sources
	}
}

// portList writes ranges as ip_local_reserved_ports does, "" for none.
func portList(rs []model.PortRange) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = strconv.Itoa(int(r.Lo))
		if r.Hi != r.Lo {
			parts[i] += "-" + strconv.Itoa(int(r.Hi))
		}
	}
	return strings.Join(parts, ",")
}
