package watch

import (
	"strconv"
	"time"

	"github.com/conntab/conntab/collect/bpfevents"
	"github.com/conntab/conntab/model"
)

// Kind is what an event says happened.
type Kind uint8

// Kinds.
const (
	KindOpen         Kind = iota + 1 // a new socket: a TCP connection established, or one no earlier sample held
	KindState                        // a TCP socket's state changed
	KindClose                        // a socket was freed
	KindConnectError                 // a connect() failed in the kernel (EADDRNOTAVAIL...)
	KindBindError                    // a bind() failed (EADDRINUSE...)
)

var kindNames = [...]string{KindOpen: "open", KindState: "state", KindClose: "close",
	KindConnectError: "connect_error", KindBindError: "bind_error"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "kind(" + strconv.FormatUint(uint64(k), 10) + ")"
}

// Seen is how conntab saw an event: its "source" in the JSON.
type Seen uint8

// How events are seen.
const (
	// SeenSample: a sample held the socket, new or in a new state.
	SeenSample Seen = iota + 1
	// SeenDestroy: the kernel's destroy message, sent as it freed the
	// socket, with its final tcp_info.
	SeenDestroy
	// SeenTimeWait: a sample held the connection in TIME_WAIT, so its
	// socket had been freed, and no destroy message said so.
	SeenTimeWait
	// SeenGone: a sample no longer held the socket, and no destroy
	// message said it was freed.
	SeenGone
	// SeenTrace: an eBPF program's record, written by the kernel as it
	// happened (bpfevents): a failed connect() or bind(), or a TCP
	// connection becoming ESTABLISHED, at the kernel's time.
	SeenTrace
)

var seenNames = [...]string{SeenSample: "sample", SeenDestroy: "destroy", SeenTimeWait: "time-wait", SeenGone: "gone", SeenTrace: "tracepoint"}

func (s Seen) String() string {
	if int(s) < len(seenNames) && seenNames[s] != "" {
		return seenNames[s]
	}
	return "seen(" + strconv.FormatUint(uint64(s), 10) + ")"
}

// Event is one line of conntab watch.
type Event struct {
	Kind Kind
	// Time is when conntab saw it: the end of the sample that showed it,
	// or the arrival of the destroy message; the kernel's time for what
	// the tracepoints saw.
	Time time.Time
	// Socket is the socket as conntab last saw it: for a close, as the
	// last sample held it (its state then: ESTABLISHED, TIME_WAIT...), or
	// as the destroy message says (state CLOSE) when no sample held it.
	Socket model.Socket
	// From is a state change's earlier state.
	From model.State
	Seen Seen
	// Lifetime is how long conntab saw a closed socket open: from the
	// end of the dump that first held it to the destroy message's
	// arrival, or, for a close the samples found, to the start of the
	// last dump that held it open. LifetimeKnown is
	// false when no sample saw it open (held before the watch began, or
	// opened and closed between two samples).
	Lifetime      time.Duration
	LifetimeKnown bool
	// Info is a closed TCP connection's last tcp_info: final from a
	// destroy message; nil when none was seen.
	Info *model.TCPInfo
	// Owners are the processes that held the socket when a sample last
	// saw them; nil when none was seen. For a failure, and an open the
	// tracepoint saw, the task that called connect() or bind().
	Owners []model.Owner
	// Errno is a failure's error; PortSearch the time its connect() spent
	// looking for a local port (0 when it did not get that far).
	Errno      bpfevents.Errno
	PortSearch time.Duration
	// Container is the failing caller's container id (its cgroup's),
	// "" when it runs in none or its process was gone.
	Container string
}
