package analyze

import "strconv"

// FindingKind names what a Finding is about.
type FindingKind uint8

// Finding kinds.
const (
	FindPool          FindingKind = iota + 1 // an ephemeral port pool filling up
	FindBindConnect                          // sockets bound before connect()
	FindHeldPort                             // a port of the range held by a bind()
	FindAcceptQueue                          // a listener's accept queue past its backlog
	FindListenDrops                          // ListenOverflows: handshakes dropped, queue full
	FindTimeWaitTable                        // TIME_WAIT near tcp_max_tw_buckets, or overflowing
	FindTwReuseNoTS                          // tcp_tw_reuse on with timestamps off
	FindFinTimeout                           // tcp_fin_timeout changed, thought to shorten TIME_WAIT
	FindConntrack                            // the conntrack table near its maximum

	// The listener audit's (it shares FindHeldPort and FindAcceptQueue).
	FindExposed           // a service usually kept local, listening on every interface
	FindUnexpectedProgram // a well-known port held by a program that is not its usual server

	// FindConntrackDrops: conntrack refused new connections (insert_failed,
	// drop) or dropped old entries to make room (early_drop).
	FindConntrackDrops
)

var findingKindNames = [...]string{
	FindPool:          "pool",
	FindBindConnect:   "bind-before-connect",
	FindHeldPort:      "port-in-range",
	FindAcceptQueue:   "accept-queue",
	FindListenDrops:   "listen-overflows",
	FindTimeWaitTable: "time-wait-table",
	FindTwReuseNoTS:   "tw-reuse-without-timestamps",
	FindFinTimeout:    "fin-timeout",
	FindConntrack:     "conntrack",

	FindExposed:           "exposed",
	FindUnexpectedProgram: "unexpected-program",
	FindConntrackDrops:    "conntrack-drops",
}

// String is the kind as a lower-case word: pool, bind-before-connect,
// port-in-range, accept-queue, listen-overflows, time-wait-table,
// tw-reuse-without-timestamps, fin-timeout, conntrack, exposed,
// unexpected-program, conntrack-drops.
func (k FindingKind) String() string {
	if k >= FindPool && int(k) < len(findingKindNames) {
		return findingKindNames[k]
	}
	return "finding(" + strconv.FormatUint(uint64(k), 10) + ")"
}

var findingKindShort = [...]string{
	FindPool:              "POOL",
	FindBindConnect:       "BIND",
	FindHeldPort:          "IN RANGE",
	FindAcceptQueue:       "QUEUE FULL",
	FindListenDrops:       "OVERFLOWS",
	FindTimeWaitTable:     "TW TABLE",
	FindTwReuseNoTS:       "TW REUSE",
	FindFinTimeout:        "FIN TIMEOUT",
	FindConntrack:         "CONNTRACK",
	FindExposed:           "EXPOSED",
	FindUnexpectedProgram: "PROGRAM",
	FindConntrackDrops:    "CT DROPS",
}

// Short is the kind as a flag's word, upper case: EXPOSED, PROGRAM, IN
// RANGE, QUEUE FULL, POOL, and so on; front ends put the severity's
// symbol before it ("▲ EXPOSED").
func (k FindingKind) Short() string {
	if k >= FindPool && int(k) < len(findingKindShort) {
		return findingKindShort[k]
	}
	return k.String()
}

// Finding is one thing the report found. SeverityNone marks a finding
// that is only information (a setting that does not do what its name
// suggests).
type Finding struct {
	Kind     FindingKind
	Severity Severity
	// Subject is what it is about, in a few words: "127.0.0.1 →
	// 10.0.0.9:5432", "port 40100", "tcp_tw_reuse".
	Subject string
	// Text says what was found and why it matters, with the figures.
	Text   string
	Advice []Advice
}

// Advice is one thing to change, with what it fixes and what it does not.
type Advice struct {
	Do, Fixes, DoesNotFix string
}
