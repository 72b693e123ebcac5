package watch

import (
	"strconv"
	"time"

	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/render/escape"
)

// textTime is how a text line spells its time: the local clock, to the
// microsecond.
const textTime = "15:04:05.000000"

// AppendText appends ev as one line of text (no newline), as ss -E writes
// a socket, time first:
//
//	17:40:01.123456 close tcp ESTABLISHED 127.0.0.1:41000 127.0.0.1:8080 lifetime=1.234s acked=1002 received=301 retrans=0 rtt=51µs pid=4242 comm=curl seen=destroy
//
// A state change writes FROM>TO as its state; a connect_error or
// bind_error its errno's name, then the address the kernel had chosen
// (port 0 when the port search failed) or the one bind() asked for, the
// destination, the port search's time, and the caller:
//
//	17:40:02.000001 connect_error tcp EADDRNOTAVAIL 127.0.0.1:0 127.0.0.1:8002 search=41.2µs pid=4242 comm=client container=3f2a... seen=tracepoint
//
// What was not seen is left out.
func AppendText(dst []byte, ev *Event) []byte {
	s := &ev.Socket
	dst = ev.Time.AppendFormat(dst, textTime)
	dst = append(dst, ' ')
	dst = append(dst, ev.Kind.String()...)
	dst = append(dst, ' ')
	dst = append(dst, s.Proto.String()...)
	dst = append(dst, ' ')
	switch {
	case ev.failure():
		dst = append(dst, ev.Errno.String()...)
	case ev.Kind == KindState:
		dst = append(dst, ev.From.String()...)
		dst = append(dst, '>')
		fallthrough
	default:
		dst = append(dst, s.State.String()...)
	}
	dst = append(dst, ' ')
	dst = s.Local.AppendTo(dst)
	dst = append(dst, ' ')
	dst = s.Remote.AppendTo(dst)
	if ev.LifetimeKnown {
		dst = append(dst, " lifetime="...)
		dst = append(dst, ev.Lifetime.Round(time.Millisecond).String()...)
	}
	if i := ev.Info; i != nil {
		dst = append(dst, " acked="...)
		dst = strconv.AppendUint(dst, i.BytesAcked, 10)
		dst = append(dst, " received="...)
		dst = strconv.AppendUint(dst, i.BytesReceived, 10)
		dst = append(dst, " retrans="...)
		dst = strconv.AppendUint(dst, uint64(i.TotalRetrans), 10)
		dst = append(dst, " rtt="...)
		dst = append(dst, i.RTT.String()...)
	}
	if ev.PortSearch > 0 {
		dst = append(dst, " search="...)
		dst = append(dst, ev.PortSearch.String()...)
	}
	if len(ev.Owners) > 0 {
		dst = append(dst, " pid="...)
		dst = strconv.AppendInt(dst, int64(ev.Owners[0].PID), 10)
		dst = append(dst, " comm="...)
		dst = escape.AppendSafe(dst, ev.Owners[0].Comm)
	}
	if ev.Container != "" {
		dst = append(dst, " container="...)
		dst = escape.AppendSafe(dst, ev.Container)
	}
	dst = append(dst, " seen="...)
	return append(dst, ev.Seen.String()...)
}

// AppendJSON appends ev as one JSON object (no newline): "event", "time"
// (RFC 3339, UTC, to the nanosecond) and "source" (how it was seen:
// sample, destroy, time-wait, gone), the socket's fields as conntab list
// --json writes them (render.AppendJSON, labelled by l), a state change's
// "from", a close's "lifetime_ms", "bytes_acked", "bytes_received",
// "retransmits" and "rtt_us" (null where not seen), a failure's "errno",
// "port_search_ns" and "container" (appendFailureJSON), and "pid" and "comm"
// of the first process that held it (null where none was seen).
// scratch is reused between calls.
func AppendJSON(dst, scratch []byte, ev *Event, l *render.Labeler) (_, _ []byte) {
	dst = append(dst, `{"event":"`...)
	dst = append(dst, ev.Kind.String()...)
	dst = append(dst, `","time":"`...)
	dst = ev.Time.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","source":"`...)
	dst = append(dst, ev.Seen.String()...)
	dst = append(dst, `",`...)
	scratch = render.AppendJSON(scratch[:0], &ev.Socket, l)
	dst = append(dst, scratch[1:len(scratch)-1]...)
	if ev.Kind == KindState {
		dst = append(dst, `,"from":"`...)
		dst = append(dst, ev.From.String()...)
		dst = append(dst, '"')
	}
	if ev.Kind == KindClose {
		dst = appendCloseJSON(dst, ev)
	}
	if ev.failure() {
		dst = appendFailureJSON(dst, ev)
	}
	dst = append(dst, `,"pid":`...)
	if len(ev.Owners) == 0 {
		dst = append(dst, `null,"comm":null}`...)
		return dst, scratch
	}
	dst = strconv.AppendInt(dst, int64(ev.Owners[0].PID), 10)
	dst = append(dst, `,"comm":`...)
	dst = escape.AppendJSONString(dst, ev.Owners[0].Comm)
	return append(dst, '}'), scratch
}

// failure: a connect_error or bind_error.
func (ev *Event) failure() bool { return ev.Kind == KindConnectError || ev.Kind == KindBindError }

// appendFailureJSON appends a failure's "errno" (its name), "port_search_ns"
// (null when the search did not run) and "container" (null when none).
func appendFailureJSON(dst []byte, ev *Event) []byte {
	dst = append(dst, `,"errno":"`...)
	dst = append(dst, ev.Errno.String()...)
	dst = append(dst, `","port_search_ns":`...)
	if ev.PortSearch > 0 {
		dst = strconv.AppendInt(dst, int64(ev.PortSearch), 10)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"container":`...)
	if ev.Container == "" {
		return append(dst, "null"...)
	}
	return escape.AppendJSONString(dst, ev.Container)
}

// appendCloseJSON appends a close's lifetime and final counters.
func appendCloseJSON(dst []byte, ev *Event) []byte {
	dst = append(dst, `,"lifetime_ms":`...)
	if ev.LifetimeKnown {
		dst = strconv.AppendInt(dst, ev.Lifetime.Milliseconds(), 10)
	} else {
		dst = append(dst, "null"...)
	}
	i := ev.Info
	if i == nil {
		return append(dst, `,"bytes_acked":null,"bytes_received":null,"retransmits":null,"rtt_us":null`...)
	}
	dst = append(dst, `,"bytes_acked":`...)
	dst = strconv.AppendUint(dst, i.BytesAcked, 10)
	dst = append(dst, `,"bytes_received":`...)
	dst = strconv.AppendUint(dst, i.BytesReceived, 10)
	dst = append(dst, `,"retransmits":`...)
	dst = strconv.AppendUint(dst, uint64(i.TotalRetrans), 10)
	dst = append(dst, `,"rtt_us":`...)
	return strconv.AppendInt(dst, i.RTT.Microseconds(), 10)
}

// EventJSON is the shape of one line of conntab watch --json
// (docs/json.md), for readers in Go.
type EventJSON struct {
	Event  string `json:"event"`
	Time   string `json:"time"`
	Source string `json:"source"`
	render.SocketJSON
	From          string  `json:"from,omitempty"`
	LifetimeMS    *int64  `json:"lifetime_ms,omitempty"`
	BytesAcked    *uint64 `json:"bytes_acked,omitempty"`
	BytesReceived *uint64 `json:"bytes_received,omitempty"`
	Retransmits   *uint32 `json:"retransmits,omitempty"`
	RTTMicros     *int64  `json:"rtt_us,omitempty"`
	Errno         string  `json:"errno,omitempty"`
	PortSearchNS  *int64  `json:"port_search_ns,omitempty"`
	Container     *string `json:"container,omitempty"`
	PID           *int32  `json:"pid"`
	Comm          *string `json:"comm"`
}
