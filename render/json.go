package render

import (
	"strconv"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render/escape"
)

// SocketJSON is the shape of one line of `conntab list --json`
// (docs/json.md). AppendJSON writes it; consumers in Go can read it back
// with encoding/json.
type SocketJSON struct {
	Proto  string       `json:"proto"`
	Family string       `json:"family"`
	State  string       `json:"state"`
	Local  EndpointJSON `json:"local"`
	Remote EndpointJSON `json:"remote"`
	RecvQ  uint32       `json:"recv_q"`
	// SendQ is null where it is not known: a listener's backlog read
	// from /proc (SendQKnown); Backlog too, then.
	SendQ   *uint32 `json:"send_q"`
	AcceptQ *uint32 `json:"accept_q,omitempty"`
	Backlog *uint32 `json:"backlog,omitempty"`
	UID     uint32  `json:"uid"`
	Inode   uint64  `json:"inode"`
	Cookie  string  `json:"cookie"`
	NetNS   uint32  `json:"netns"`
	// Container is the container or pod owning the namespace, when
	// several namespaces were read (-N) and the runtime's files name it.
	Container   *ContainerJSON `json:"container,omitempty"`
	Timer       TimerJSON      `json:"timer"`
	Service     string         `json:"service"`
	LocalClass  string         `json:"local_class"`
	RemoteClass string         `json:"remote_class"`
	// User and Processes are there when processes were asked for (-p).
	User      *string       `json:"user,omitempty"`
	Processes []ProcessJSON `json:"processes,omitempty"`
	// Flags are there with --flags: the remote endpoint's flags.
	Flags []FlagJSON `json:"flags,omitempty"`
}

// ContainerJSON is a container as its runtime names it (model.Container);
// pod and namespace are Kubernetes', "" elsewhere.
type ContainerJSON struct {
	Runtime   string `json:"runtime"`
	ID        string `json:"id"`
	Name      string `json:"name"`
	Pod       string `json:"pod"`
	Namespace string `json:"namespace"`
}

// FlagJSON is a flag (docs/flags.md): kind and severity as words, the
// short label and the sentence.
type FlagJSON struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Label    string `json:"label"`
	Reason   string `json:"reason"`
}

// ProcessJSON is a process holding a socket: after fork there can be
// several. Former marks the remembered owner of a TIME_WAIT or orphaned
// socket.
type ProcessJSON struct {
	PID    int32  `json:"pid"`
	Comm   string `json:"comm"`
	FD     int32  `json:"fd"`
	Former bool   `json:"former,omitempty"`
}

// EndpointJSON is an address and port.
type EndpointJSON struct {
	Addr string `json:"addr"`
	Port uint16 `json:"port"`
}

// TimerJSON is a socket's timer.
type TimerJSON struct {
	Kind      string `json:"kind"`
	ExpiresMS int64  `json:"expires_ms"`
	Retrans   uint8  `json:"retrans"`
}

// AppendJSON appends s as one JSON object (no newline) in the SocketJSON
// shape. The cookie is a string: it is a 64-bit number, beyond what a
// JSON reader in JavaScript keeps exact.
func AppendJSON(dst []byte, s *model.Socket, l *Labeler) []byte {
	dst = append(dst, `{"proto":"`...)
	dst = append(dst, s.Proto.String()...)
	dst = append(dst, `","family":"`...)
	dst = append(dst, s.Family.String()...)
	dst = append(dst, `","state":"`...)
	dst = append(dst, s.State.String()...)
	dst = append(dst, `","local":{"addr":"`...)
	dst = s.Local.Addr().AppendTo(dst)
	dst = append(dst, `","port":`...)
	dst = strconv.AppendUint(dst, uint64(s.Local.Port()), 10)
	dst = append(dst, `},"remote":{"addr":"`...)
	dst = s.Remote.Addr().AppendTo(dst)
	dst = append(dst, `","port":`...)
	dst = strconv.AppendUint(dst, uint64(s.Remote.Port()), 10)
	dst = append(dst, `},"recv_q":`...)
	dst = strconv.AppendUint(dst, uint64(s.RecvQ), 10)
	known := SendQKnown(s, l.source())
	dst = append(dst, `,"send_q":`...)
	dst = appendJSONUintOrNull(dst, s.SendQ, known)
	if s.State == model.StateListen {
		dst = append(dst, `,"accept_q":`...)
		dst = strconv.AppendUint(dst, uint64(s.RecvQ), 10)
		dst = append(dst, `,"backlog":`...)
		dst = appendJSONUintOrNull(dst, s.SendQ, known)
	}
	dst = append(dst, `,"uid":`...)
	dst = strconv.AppendUint(dst, uint64(s.UID), 10)
	dst = append(dst, `,"inode":`...)
	dst = strconv.AppendUint(dst, s.Inode, 10)
	dst = append(dst, `,"cookie":"`...)
	dst = strconv.AppendUint(dst, s.Cookie, 10)
	dst = append(dst, `","netns":`...)
	dst = strconv.AppendUint(dst, uint64(s.NetNS), 10)
	if l.Snapshot != nil {
		if ns := l.Snapshot.NamespaceOf(s.NetNS); ns != nil && ns.Container != nil {
			dst = appendJSONContainer(dst, ns.Container)
		}
	}
	dst = append(dst, `,"timer":{"kind":"`...)
	dst = append(dst, s.Timer.Kind.String()...)
	dst = append(dst, `","expires_ms":`...)
	dst = strconv.AppendInt(dst, s.Timer.Expires.Milliseconds(), 10)
	dst = append(dst, `,"retrans":`...)
	dst = strconv.AppendUint(dst, uint64(s.Timer.Retrans), 10)
	dst = append(dst, `},"service":`...)
	dst = escape.AppendJSONString(dst, l.Service(s))
	dst = append(dst, `,"local_class":"`...)
	dst = appendClass(dst, s.Local.Port(), l)
	dst = append(dst, `","remote_class":"`...)
	dst = appendClass(dst, s.Remote.Port(), l)
	dst = append(dst, '"')
	if l.Snapshot != nil && l.Snapshot.Owners != nil {
		dst = appendJSONProcesses(dst, s, l)
	}
	if l.Dests != nil {
		dst = appendJSONFlags(dst, s, l)
	}
	return append(dst, '}')
}

// appendJSONContainer appends the "container" key; the names are the
// runtime's files' text, escaped.
func appendJSONContainer(dst []byte, c *model.Container) []byte {
	dst = append(dst, `,"container":{"runtime":`...)
	dst = escape.AppendJSONString(dst, c.Runtime)
	dst = append(dst, `,"id":`...)
	dst = escape.AppendJSONString(dst, c.ID)
	dst = append(dst, `,"name":`...)
	dst = escape.AppendJSONString(dst, c.Name)
	dst = append(dst, `,"pod":`...)
	dst = escape.AppendJSONString(dst, c.Pod)
	dst = append(dst, `,"namespace":`...)
	dst = escape.AppendJSONString(dst, c.Namespace)
	return append(dst, '}')
}

// appendJSONProcesses appends the "user" and "processes" keys: the user
// owning s and the processes holding it (-p).
func appendJSONProcesses(dst []byte, s *model.Socket, l *Labeler) []byte {
	dst = append(dst, `,"user":`...)
	dst = escape.AppendJSONString(dst, l.User(s))
	dst = append(dst, `,"processes":[`...)
	for i, o := range l.OwnersOf(s) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"pid":`...)
		dst = strconv.AppendInt(dst, int64(o.PID), 10)
		dst = append(dst, `,"comm":`...)
		dst = escape.AppendJSONString(dst, o.Comm)
		dst = append(dst, `,"fd":`...)
		dst = strconv.AppendInt(dst, int64(o.FD), 10)
		if o.Former {
			dst = append(dst, `,"former":true`...)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendJSONFlags appends the "flags" key: the flags of s's remote
// endpoint (--flags).
func appendJSONFlags(dst []byte, s *model.Socket, l *Labeler) []byte {
	dst = append(dst, `,"flags":[`...)
	for i, f := range l.FlagsOf(s) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"kind":"`...)
		dst = append(dst, f.Kind.String()...)
		dst = append(dst, `","severity":"`...)
		dst = append(dst, f.Severity.String()...)
		dst = append(dst, `","label":`...)
		dst = escape.AppendJSONString(dst, f.Label())
		dst = append(dst, `,"reason":`...)
		dst = escape.AppendJSONString(dst, f.Reason())
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendJSONUintOrNull appends v, or null when it is not known.
func appendJSONUintOrNull(dst []byte, v uint32, known bool) []byte {
	if !known {
		return append(dst, "null"...)
	}
	return strconv.AppendUint(dst, uint64(v), 10)
}

// appendClass appends port's class, or nothing for port 0: an
// unconnected socket has no peer port to classify.
func appendClass(dst []byte, port uint16, l *Labeler) []byte {
	if port == 0 {
		return dst
	}
	return append(dst, l.Class(port).String()...)
}

// AppendCSV appends s as one CSV record (no newline) with the columns
// CSVHeader names. Only the service name can hold a comma or a quote; it is
// escaped (AppendSafe) and quoted as RFC 4180 asks.
func AppendCSV(dst []byte, s *model.Socket, l *Labeler) []byte {
	dst = append(dst, s.Proto.String()...)
	dst = append(dst, ',')
	dst = append(dst, s.Family.String()...)
	dst = append(dst, ',')
	dst = append(dst, s.State.String()...)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(s.RecvQ), 10)
	dst = append(dst, ',')
	if SendQKnown(s, l.source()) { // else an empty cell
		dst = strconv.AppendUint(dst, uint64(s.SendQ), 10)
	}
	dst = append(dst, ',')
	dst = s.Local.Addr().AppendTo(dst)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(s.Local.Port()), 10)
	dst = append(dst, ',')
	dst = s.Remote.Addr().AppendTo(dst)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(s.Remote.Port()), 10)
	dst = append(dst, ',')
	dst = appendCSVField(dst, l.Service(s))
	dst = append(dst, ',')
	dst = appendClass(dst, s.Local.Port(), l)
	dst = append(dst, ',')
	dst = appendClass(dst, s.Remote.Port(), l)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(s.UID), 10)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, s.Inode, 10)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, s.Cookie, 10)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(s.NetNS), 10)
	dst = append(dst, ',')
	dst = append(dst, s.Timer.Kind.String()...)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, s.Timer.Expires.Milliseconds(), 10)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(s.Timer.Retrans), 10)
	if l.Snapshot != nil && l.Snapshot.Owners != nil {
		dst = append(dst, ',')
		dst = appendCSVField(dst, l.User(s))
		dst = append(dst, ',')
		var procs []byte
		for i, o := range l.OwnersOf(s) {
			if i > 0 {
				procs = append(procs, ';')
			}
			if o.Former {
				procs = append(procs, "was "...)
			}
			procs = append(procs, o.Comm...)
			procs = append(procs, '/')
			procs = strconv.AppendInt(procs, int64(o.PID), 10)
			procs = append(procs, '/')
			procs = strconv.AppendInt(procs, int64(o.FD), 10)
		}
		dst = appendCSVField(dst, string(procs))
	}
	return dst
}

// CSVProcessHeader names the columns AppendCSV adds when processes were
// asked for: the user, and the processes as comm/pid/fd separated by ";".
const CSVProcessHeader = ",user,processes"

// CSVHeader names the columns AppendCSV writes.
const CSVHeader = "proto,family,state,recv_q,send_q,local_addr,local_port,remote_addr,remote_port,service,local_class,remote_class,uid,inode,cookie,netns,timer_kind,timer_expires_ms,timer_retrans"

// appendCSVField appends v, text that is not conntab's own, as one CSV
// field: escaped, quoted, and kept from opening as a formula
// (escape.AppendCSVField). conntab's own numbers do not come here.
func appendCSVField(dst []byte, v string) []byte {
	return escape.AppendCSVField(dst, v)
}
