package render

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"

	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/model"
)

// ListenersTextOptions say how ListenersText writes an audit.
type ListenersTextOptions struct {
	// NetNS is the namespace as the user named it (-N), "" for conntab's
	// own.
	NetNS string
	Width int // prose wraps here (MaxWidth in a pipe)
	// Root is whether other users' processes could be seen: without it,
	// the listeners held by no process seen get a reason.
	Root bool
}

// ListenersText writes r as the text of `conntab listeners`: a header,
// the LISTENERS table, then the findings with their advice. Errors are
// w's, seen at its Flush.
func ListenersText(w *bufio.Writer, r *audit.ListenerReport, o ListenersTextOptions) {
	p := textPrinter{w: w, width: o.Width}
	writeListenersHeader(&p, r, o)

	w.WriteByte('\n')
	if len(r.Listeners) == 0 {
		p.para("LISTENERS: none", "", "  ")
	} else {
		w.WriteString("LISTENERS\n")
		rows := make([][]string, 0, len(r.Listeners))
		for i := range r.Listeners {
			rows = append(rows, listenerRow(&r.Listeners[i], r.Source, r.UnprivilegedPortStart >= 0))
		}
		writeAligned(w,
			[]string{"PROTO", "LOCAL", "SCOPE", "CLASS", "SERVICE", "PRIV", "ACCEPT/BACKLOG", "PROCESS", "USER", "FLAGS"},
			[]bool{false, false, false, false, false, false, true, false, false, false}, rows)
	}

	w.WriteByte('\n')
	if len(r.Findings) == 0 {
		p.para("Nothing found: no local-only service on every interface, no unexpected program on a well-known port, no listener in the ephemeral range, no full accept queue.", "", "")
		return
	}
	writeFindings(&p, r.Findings)
}

// writeListenersHeader writes what the audit was made of: the namespace,
// when and from where, the facts that judge the ports, and the listeners
// no process was seen holding.
func writeListenersHeader(p *textPrinter, r *audit.ListenerReport, o ListenersTextOptions) {
	p.para(reportHeader("listeners", r.NetNS, o.NetNS, r.Taken, r.Source), "", "  ")

	var facts []string
	if r.Ephemeral.Size() > 0 {
		facts = append(facts, "ephemeral range "+r.Ephemeral.String())
	}
	if r.UnprivilegedPortStart >= 0 {
		facts = append(facts, fmt.Sprintf("ports below %d are privileged (ip_unprivileged_port_start)", r.UnprivilegedPortStart))
	}
	if r.Source == model.SourceProc {
		facts = append(facts, "/proc shows no backlog and no IPV6_V6ONLY: queues are not judged, and [::] may or may not take IPv4")
	}
	if len(facts) > 0 {
		p.para(strings.Join(facts, "; "), "", "  ")
	}
	if r.Unowned > 0 {
		s := fmt.Sprintf("%d of %d %s held by no process conntab could see", r.Unowned, len(r.Listeners), plural(len(r.Listeners), "listener", "listeners"))
		if !o.Root {
			s += " (other users' processes are seen only as root)"
		}
		p.para(s+": their program is not judged.", "", "  ")
	}
}

// maxOwnersShown caps the processes a listener's row names: a server
// that forked workers shares its listener with each of them.
const maxOwnersShown = 3

// listenerRow is one line of the LISTENERS table, every cell escaped.
func listenerRow(ln *audit.Listener, src model.Source, known bool) []string {
	s := &ln.Socket
	priv := "?" // ip_unprivileged_port_start not read
	if known {
		priv = "no"
		if ln.Privileged {
			priv = "yes"
		}
	}
	queue := "-" // UDP: no accept queue
	if q, ok := s.AcceptQueue(); ok {
		backlog := Unknown // read from /proc
		if src == model.SourceNetlink {
			backlog = strconv.FormatUint(uint64(s.SendQ), 10)
		}
		queue = strconv.FormatUint(uint64(q), 10) + "/" + backlog
	}
	return []string{
		string(AppendNetid(nil, s)), string(model.AppendPeer(nil, s.Local)), ln.Scope.String(), ln.Label.Class.String(),
		orDash(safe(ln.Label.Service)), priv, queue, string(appendOwners(nil, ln.Owners, maxOwnersShown)),
		safe(ln.User), orDash(audit.FindingFlags(ln.Findings)),
	}
}
