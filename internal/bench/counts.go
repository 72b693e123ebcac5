//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// counts is what the namespace holds at one moment.
type counts struct {
	// TCP and UDP count sockets per state, from an inet_diag dump of both
	// families.
	TCP, UDP map[model.State]int
	// TCP6 and UDP6 are how many of those are IPv6 sockets (v4-mapped
	// ones included).
	TCP6, UDP6 int
	// Sockstat is /proc/net/sockstat: "TCP" -> "inuse" -> 90010, ...
	Sockstat map[string]map[string]int
}

// parseSockstat reads /proc/net/sockstat ("TCP: inuse 5 orphan 0 tw 2 ...").
func parseSockstat(r io.Reader) (map[string]map[string]int, error) {
	out := make(map[string]map[string]int)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		proto, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			return nil, fmt.Errorf("bench: sockstat line %q: no colon", sc.Text())
		}
		f := strings.Fields(rest)
		if len(f)%2 != 0 {
			return nil, fmt.Errorf("bench: sockstat line %q: odd number of fields", sc.Text())
		}
		m := make(map[string]int, len(f)/2)
		for i := 0; i < len(f); i += 2 {
			v, err := strconv.Atoi(f[i+1])
			if err != nil {
				return nil, fmt.Errorf("bench: sockstat line %q: %w", sc.Text(), err)
			}
			m[f[i]] = v
		}
		out[proto] = m
	}
	return out, sc.Err()
}

// stateCounts dumps protocol's sockets of both families over sock_diag
// and counts them by state, and how many are IPv6 sockets. It must run
// inside the namespace.
func stateCounts(protocol uint8) (map[model.State]int, int, error) {
	c, err := dialDiag()
	if err != nil {
		return nil, 0, err
	}
	defer c.Close()
	out := make(map[model.State]int)
	v6 := 0
	for _, family := range []uint8{unix.AF_INET, unix.AF_INET6} {
		err := dump(c, family, protocol, func(b []byte) error {
			st, err := diagState(b)
			if err != nil {
				return err
			}
			s := model.State(st)
			if protocol == unix.IPPROTO_UDP && s == model.StateClose {
				s = model.StateUnconn
			}
			out[s]++
			if family == unix.AF_INET6 {
				v6++
			}
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	return out, v6, nil
}

// total is the sum over states.
func total(m map[model.State]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// summary is one line: "TCP 130010 (ESTABLISHED 90000, TIME_WAIT 40000,
// LISTEN 10); UDP 2000 (...); sockstat TCP inuse 90010 tw 40000".
func (c counts) summary() string {
	var b strings.Builder
	part := func(name string, m map[model.State]int) {
		fmt.Fprintf(&b, "%s %d (", name, total(m))
		first := true
		for _, s := range model.AllStates {
			if m[s] == 0 {
				continue
			}
			if !first {
				b.WriteString(", ")
			}
			first = false
			fmt.Fprintf(&b, "%s %d", s, m[s])
		}
		b.WriteString(")")
	}
	part("TCP", c.TCP)
	fmt.Fprintf(&b, ", IPv6 %d (%s)", c.TCP6, percent(c.TCP6, total(c.TCP)))
	b.WriteString("; ")
	part("UDP", c.UDP)
	fmt.Fprintf(&b, "; sockstat: TCP inuse %d tw %d, UDP inuse %d",
		c.Sockstat["TCP"]["inuse"], c.Sockstat["TCP"]["tw"], c.Sockstat["UDP"]["inuse"])
	return b.String()
}

// percent is part of all as a percentage, "–" of nothing.
func percent(part, all int) string {
	if all == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(part)/float64(all))
}
