package render

import (
	"time"

	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/model"
)

// ListenersJSON is the shape of `conntab listeners --json` (docs/json.md):
// one document for one ListenerReport. Every key is always there: a
// figure that is not known is null, a list with nothing in it is [].
type ListenersJSON struct {
	NetNS     uint32    `json:"netns"`
	Taken     time.Time `json:"taken"`
	Source    string    `json:"source"`
	Ephemeral struct {
		Lo uint16 `json:"lo"`
		Hi uint16 `json:"hi"`
	} `json:"ephemeral"`
	// UnprivilegedPortStart is null when the sysctl was not read.
	UnprivilegedPortStart *int `json:"ip_unprivileged_port_start"`
	// Processes is false when no process was looked for; HiddenProcesses
	// counts those whose sockets could not be read (not root), Unowned
	// the listeners no process was seen holding.
	Processes       bool           `json:"processes"`
	HiddenProcesses int            `json:"hidden_processes"`
	Unowned         int            `json:"unowned"`
	Listeners       []ListenerJSON `json:"listeners"`
	Findings        []FindingJSON  `json:"findings"`
	Severity        string         `json:"severity"`
}

// ListenerJSON is one Listener.
type ListenerJSON struct {
	Proto  string       `json:"proto"`
	Family string       `json:"family"`
	State  string       `json:"state"`
	Local  EndpointJSON `json:"local"`
	// Scope is BindScope's String, ScopeShort its Short.
	Scope      string `json:"scope"`
	ScopeShort string `json:"scope_short"`
	// V6Only is IPV6_V6ONLY for an IPv6 socket that reported it, else null.
	V6Only     *bool  `json:"v6only"`
	Class      string `json:"class"`
	Service    string `json:"service"`
	Privileged bool   `json:"privileged"`
	// AcceptQ and Backlog are a TCP listener's accept queue and its
	// limit; null on UDP, and Backlog null from /proc, which lacks it.
	AcceptQ   *uint32       `json:"accept_q"`
	Backlog   *uint32       `json:"backlog"`
	UID       uint32        `json:"uid"`
	User      string        `json:"user"`
	Inode     uint64        `json:"inode"`
	Processes []ProcessJSON `json:"processes"`
	Findings  []FindingJSON `json:"findings"`
	Severity  string        `json:"severity"`
}

// NewListenersJSON is r in the ListenersJSON shape.
func NewListenersJSON(r *audit.ListenerReport) ListenersJSON {
	j := ListenersJSON{
		NetNS: r.NetNS, Taken: r.Taken, Source: r.Source.String(),
		Processes: r.Processes, HiddenProcesses: r.Hidden, Unowned: r.Unowned,
		Listeners: make([]ListenerJSON, 0, len(r.Listeners)),
		Findings:  appendFindingsJSON(make([]FindingJSON, 0, len(r.Findings)), r.Findings),
		Severity:  r.Severity().String(),
	}
	j.Ephemeral.Lo, j.Ephemeral.Hi = r.Ephemeral.Lo, r.Ephemeral.Hi
	if r.UnprivilegedPortStart >= 0 {
		v := r.UnprivilegedPortStart
		j.UnprivilegedPortStart = &v
	}
	for i := range r.Listeners {
		ln := &r.Listeners[i]
		s := &ln.Socket
		lj := ListenerJSON{
			Proto: s.Proto.String(), Family: s.Family.String(), State: s.State.String(),
			Local: endpointJSON(s.Local.Addr().String(), s.Local.Port()),
			Scope: ln.Scope.String(), ScopeShort: ln.Scope.Short(),
			Class: ln.Label.Class.String(), Service: ln.Label.Service, Privileged: ln.Privileged,
			UID: s.UID, User: ln.User, Inode: s.Inode,
			Processes: make([]ProcessJSON, len(ln.Owners)),
			Findings:  appendFindingsJSON(make([]FindingJSON, 0, len(ln.Findings)), ln.Findings),
			Severity:  ln.Severity.String(),
		}
		if s.V6Only != model.V6OnlyUnknown {
			on := s.V6Only == model.V6OnlyOn
			lj.V6Only = &on
		}
		if q, ok := s.AcceptQueue(); ok {
			lj.AcceptQ = &q
			if b, _ := s.Backlog(); r.Source == model.SourceNetlink {
				lj.Backlog = &b
			}
		}
		for k, o := range ln.Owners {
			lj.Processes[k] = ProcessJSON{PID: o.PID, Comm: o.Comm, FD: o.FD}
		}
		j.Listeners = append(j.Listeners, lj)
	}
	return j
}
