package nstest

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"

	"github.com/conntab/conntab/model"
)

// SS runs `ss -tuanH [FILTER...]` inside ns and returns what it lists with
// Proto, Family, State, Local and Remote set (IPv4-mapped addresses
// unmapped, as model stores them). ss runs once, for both families, since
// ss -4 rejects a filter with an IPv6 address; the family is read from the
// local address ([v6] or *, ss's IPv6 wildcard, else IPv4). An IPv6
// wildcard LISTEN or UNCONN socket has V6Only set from ss's spelling.
func SS(ns *NS, filter ...string) ([]model.Socket, error) {
	for _, tool := range []string{"ss", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("nstest: %w", err)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd := ns.Command("ss", append([]string{"-tuanH"}, filter...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("nstest: ss -tuanH %s: %w: %s", strings.Join(filter, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	implied, hasImplied := impliedState(filter)
	var out []model.Socket
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// ss leaves the State column out when the filter selects one state.
		if len(f) == 5 && hasImplied {
			f = append(f[:1], append([]string{implied}, f[1:]...)...)
		}
		s, err := parseSSLine(sc.Text(), f)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// impliedState is the state column ss leaves out when filter selects one
// state: "state time-wait" alone.
func impliedState(filter []string) (string, bool) {
	var states []string
	for i := 0; i+1 < len(filter); i++ {
		switch filter[i] {
		case "state":
			states = append(states, filter[i+1])
		case "exclude":
			return "", false
		}
	}
	if len(states) != 1 {
		return "", false
	}
	name, ok := map[string]string{
		"established": "ESTAB", "syn-sent": "SYN-SENT", "syn-recv": "SYN-RECV", "fin-wait-1": "FIN-WAIT-1",
		"fin-wait-2": "FIN-WAIT-2", "time-wait": "TIME-WAIT", "close-wait": "CLOSE-WAIT", "last-ack": "LAST-ACK",
		"listening": "LISTEN", "listen": "LISTEN", "closing": "CLOSING", "closed": "UNCONN",
	}[states[0]]
	return name, ok
}

// ssStates maps ss's state names to ours.
var ssStates = map[string]model.State{
	"ESTAB": model.StateEstablished, "SYN-SENT": model.StateSynSent, "SYN-RECV": model.StateSynRecv,
	"FIN-WAIT-1": model.StateFinWait1, "FIN-WAIT-2": model.StateFinWait2, "TIME-WAIT": model.StateTimeWait,
	"CLOSE-WAIT": model.StateCloseWait, "LAST-ACK": model.StateLastAck, "LISTEN": model.StateListen,
	"CLOSING": model.StateClosing, "UNCONN": model.StateUnconn,
}

// parseSSLine reads the fields f of one line of `ss -tuanH`:
// "tcp LISTEN 0 4096 127.0.0.1:8001 0.0.0.0:*".
func parseSSLine(line string, f []string) (model.Socket, error) {
	if len(f) < 6 {
		return model.Socket{}, fmt.Errorf("ss line %q: too few fields", line)
	}
	family := model.FamilyInet
	if strings.HasPrefix(f[4], "[") || strings.HasPrefix(f[4], "*") {
		family = model.FamilyInet6
	}
	s := model.Socket{Family: family}
	switch f[0] {
	case "tcp":
		s.Proto = model.ProtoTCP
	case "udp":
		s.Proto = model.ProtoUDP
	default:
		return s, fmt.Errorf("ss line %q: netid %q", line, f[0])
	}
	st, ok := ssStates[f[1]]
	if !ok {
		return s, fmt.Errorf("ss line %q: state %q", line, f[1])
	}
	s.State = st
	var err error
	if s.Local, err = parseSSAddr(f[4], family); err != nil {
		return s, fmt.Errorf("ss line %q: %v", line, err)
	}
	if s.Remote, err = parseSSAddr(f[5], family); err != nil {
		return s, fmt.Errorf("ss line %q: %v", line, err)
	}
	// ss writes an IPv6 wildcard socket that takes IPv4 too as "*", and
	// one with IPV6_V6ONLY as "[::]".
	if (st == model.StateListen || st == model.StateUnconn) && s.Local.Addr() == netip.IPv6Unspecified() {
		s.V6Only = model.V6OnlyOn
		if strings.HasPrefix(f[4], "*") {
			s.V6Only = model.V6OnlyOff
		}
	}
	return s, nil
}

// parseSSAddr reads ss's "addr:port", where addr may be [v6], * (the
// wildcard of the family) and port may be *.
func parseSSAddr(a string, family model.Family) (netip.AddrPort, error) {
	i := strings.LastIndexByte(a, ':')
	if i < 0 {
		return netip.AddrPort{}, fmt.Errorf("address %q", a)
	}
	host, port := strings.Trim(a[:i], "[]"), a[i+1:]
	if j := strings.IndexByte(host, '%'); j >= 0 {
		host = host[:j]
	}
	var addr netip.Addr
	if host == "*" {
		addr = netip.IPv4Unspecified()
		if family == model.FamilyInet6 {
			addr = netip.IPv6Unspecified()
		}
	} else {
		var err error
		if addr, err = netip.ParseAddr(host); err != nil {
			return netip.AddrPort{}, err
		}
		addr = addr.Unmap()
	}
	var p uint64
	if port != "*" {
		var err error
		if p, err = strconv.ParseUint(port, 10, 16); err != nil {
			return netip.AddrPort{}, err
		}
	}
	return netip.AddrPortFrom(addr, uint16(p)), nil
}
