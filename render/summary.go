package render

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/conntab/conntab/model"
)

// Selection is which sockets a listing asked for, so that a summary can
// say what it counted and what it left out.
type Selection struct {
	// Protos and Families are those read; nil is all of them (TCP and
	// UDP, IPv4 and IPv6).
	Protos   []model.Proto
	Families []model.Family
	// States are those asked for; 0 is every state.
	States model.StateSet
	// Filter is the filter's expression the sockets matched, in its
	// canonical form; "" for none.
	Filter string
}

// summary is what a summary counts: sockets by state (model.StateSlot),
// then by protocol and family (the columns: tcp, tcp6, udp, udp6,
// total), and the figures ss -s gives.
type summary struct {
	byState [16]summaryRow
	total   summaryRow
	ss      ssCounts
}

type summaryRow [5]int

// ssCounts are the figures `ss -s` gives for a namespace, worked out from
// the sockets as the kernel keeps them for /proc/net/sockstat and
// /proc/net/snmp. ss's Total, and its closed and orphaned, count sockets
// of every namespace or every kind, which a socket listing cannot: they
// are not mirrored.
type ssCounts struct {
	// tcp and udp are the Transport rows by family (IP, IPv6): the TCP
	// sockets in the kernel's hash tables (sockstat's inuse) and the bound
	// UDP ones.
	tcp, udp [2]int
	// estab is Tcp CurrEstab: ESTABLISHED and CLOSE_WAIT.
	estab int
	// timewait is sockstat's tw: the time-wait minisockets, the
	// FIN_WAIT2 ones that close() left among them.
	timewait int
	// requests (NEW_SYN_RECV), bound (BOUND_INACTIVE) and closed (CLOSE)
	// are TCP sockets in no count of ss -s.
	requests, bound, closed int
}

// count counts socks.
func (c *summary) count(socks []model.Socket) {
	for i := range socks {
		s := &socks[i]
		col, fam := 0, 0
		if s.Proto == model.ProtoUDP {
			col = 2
		}
		if s.Family == model.FamilyInet6 {
			col, fam = col+1, 1
		}
		row := &c.byState[model.StateSlot(s.State)]
		row[col]++
		row[4]++
		c.total[col]++
		c.total[4]++
		if s.Proto == model.ProtoUDP {
			c.ss.udp[fam]++
			continue
		}
		switch {
		case s.State == model.StateTimeWait || s.Timer.Kind == model.TimerTimewait:
			// A minisocket: FIN_WAIT2 after close() is one too, and only
			// its timer tells it from a full socket in FIN_WAIT2.
			c.ss.timewait++
		case s.State == model.StateNewSynRecv:
			c.ss.requests++
		case s.State == model.StateBoundInactive:
			c.ss.bound++
		case s.State == model.StateClose:
			c.ss.closed++
		default:
			c.ss.tcp[fam]++
			if s.State == model.StateEstablished || s.State == model.StateCloseWait {
				c.ss.estab++
			}
		}
	}
}

// rows calls fn for each state that has sockets, in kernel order, then
// for the states conntab does not know ("other").
func (c *summary) rows(fn func(name string, row *summaryRow)) {
	for _, st := range model.AllStates {
		if row := &c.byState[model.StateSlot(st)]; row[4] > 0 {
			fn(st.String(), row)
		}
	}
	if row := &c.byState[model.StateSlot(0)]; row[4] > 0 {
		fn("other", row)
	}
}

// writeSummary writes the sockets' counts per state, by protocol and
// family, then the figures ss -s gives for them.
func writeSummary(w *bufio.Writer, snap *model.Snapshot, sel *Selection) {
	var c summary
	c.count(snap.Sockets)
	n := len(snap.Sockets)
	fmt.Fprintf(w, "%d %s %s, read from %s in %s\n\n", n, plural(n, "socket", "sockets"), sel.describe(), snap.Source, snap.Duration.Round(time.Microsecond))
	row := func(name string, r *summaryRow) {
		fmt.Fprintf(w, "%-14s", name)
		for _, n := range r {
			fmt.Fprintf(w, " %8s", strconv.Itoa(n))
		}
		w.WriteByte('\n')
	}
	fmt.Fprintf(w, "%-14s %8s %8s %8s %8s %8s\n", "State", "tcp", "tcp6", "udp", "udp6", "total")
	c.rows(row)
	row("total", &c.total)

	ss := &c.ss
	fmt.Fprintf(w, "\nAs ss -s counts them%s:\n", sel.ofThese())
	fmt.Fprintf(w, "TCP:   estab %d, timewait %d\n", ss.estab, ss.timewait)
	fmt.Fprintf(w, "%-9s %-9s %-9s %s\n", "Transport", "Total", "IP", "IPv6")
	for _, t := range []struct {
		name string
		n    [2]int
	}{{"TCP", ss.tcp}, {"UDP", ss.udp}} {
		fmt.Fprintf(w, "%-9s %-9d %-9d %d\n", t.name, t.n[0]+t.n[1], t.n[0], t.n[1])
	}
	if out := ss.leftOut(); out != "" {
		fmt.Fprintf(w, "ss's TCP row leaves out %s.\n", out)
	}
	writeNamespaceCounts(w, snap)
}

// leftOut says which TCP sockets of the table ss's TCP row does not
// count, or "" when there are none.
func (ss *ssCounts) leftOut() string {
	var parts []string
	for _, p := range []struct {
		n            int
		one, several string
	}{
		{ss.timewait, "1 time-wait socket (TIME_WAIT, or FIN_WAIT2 after close(): the timewait above)",
			"%d time-wait sockets (TIME_WAIT, and FIN_WAIT2 after close(): the timewait above)"},
		{ss.requests, "1 connection request (NEW_SYN_RECV)", "%d connection requests (NEW_SYN_RECV)"},
		{ss.bound, "1 bound-only socket (BOUND_INACTIVE)", "%d bound-only sockets (BOUND_INACTIVE)"},
		{ss.closed, "1 closed socket (CLOSE)", "%d closed sockets (CLOSE)"},
	} {
		switch {
		case p.n == 1:
			parts = append(parts, p.one)
		case p.n > 1:
			parts = append(parts, fmt.Sprintf(p.several, p.n))
		}
	}
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// describe says which sockets sel selects: "in every state (TCP and UDP,
// IPv4 and IPv6)", "in LISTEN, UNCONN (UDP only, IPv4 and IPv6) matching
// \"sport = :53\"".
func (sel *Selection) describe() string {
	var b strings.Builder
	if sel.States == 0 || sel.States == model.AllStateSet {
		b.WriteString("in every state")
	} else {
		b.WriteString("in ")
		for i, st := range sel.states() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(st.String())
		}
	}
	b.WriteString(" (")
	switch {
	case len(sel.Protos) == 1:
		fmt.Fprintf(&b, "%s only", strings.ToUpper(sel.Protos[0].String()))
	default:
		b.WriteString("TCP and UDP")
	}
	switch {
	case len(sel.Families) == 1 && sel.Families[0] == model.FamilyInet6:
		b.WriteString(", IPv6 only)")
	case len(sel.Families) == 1:
		b.WriteString(", IPv4 only)")
	default:
		b.WriteString(", IPv4 and IPv6)")
	}
	if sel.Filter != "" {
		// strconv.Quote escapes what could steer a terminal: a filter
		// read from a file (-F) is anyone's text.
		b.WriteString(" matching ")
		b.WriteString(strconv.Quote(sel.Filter))
	}
	return b.String()
}

// narrowed reports whether sel leaves out sockets of the namespace.
func (sel *Selection) narrowed() bool {
	return len(sel.Protos) == 1 || len(sel.Families) == 1 || sel.Filter != "" ||
		(sel.States != 0 && sel.States != model.AllStateSet)
}

// ofThese qualifies the ss -s figures of a narrowed selection: ss counts
// the whole namespace.
func (sel *Selection) ofThese() string {
	if sel.narrowed() {
		return " (of these sockets only; ss -s counts the whole namespace)"
	}
	return ""
}

// states lists the states sel selects, in kernel order.
func (sel *Selection) states() []model.State {
	var out []model.State
	for _, st := range model.AllStates {
		if sel.States == 0 || sel.States.Has(st) {
			out = append(out, st)
		}
	}
	return out
}
