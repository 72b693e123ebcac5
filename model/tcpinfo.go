package model

import (
	"strings"
	"time"
)

// TCPInfo is what the kernel knows about how one TCP connection is doing:
// its round-trip time, congestion window, losses and retransmissions, the
// bytes it moved and the rates it runs at, and the congestion control
// algorithm that steers it. It is a selection of Linux's struct tcp_info
// (include/uapi/linux/tcp.h), the fields a person on call reads, asked for
// one socket at a time when it is selected.
//
// Kernels add fields at the end of struct tcp_info; a field an older kernel
// does not send reads zero. Fields added after Linux 3.14 name the release
// that added them.
type TCPInfo struct {
	// State is the socket's state when it was asked, which may be newer
	// than the snapshot's.
	State State
	// CAState is the sender's congestion state: open when all is well.
	CAState CAState
	// Options are the TCP options the handshake negotiated.
	Options TCPOptions
	// SndWScale is the window scale the peer announced (the shift applied
	// to the windows it advertises); RcvWScale the one this side announced.
	// Both are 0 unless Options has TCPOptWindowScale.
	SndWScale, RcvWScale uint8
	// AppLimited says DeliveryRate was measured while the application,
	// not the network, held sending back (Linux 4.9).
	AppLimited bool

	// RTT is the smoothed round-trip time and RTTVar its mean deviation.
	RTT, RTTVar time.Duration
	// MinRTT is the lowest round-trip time seen recently (Linux 4.6).
	MinRTT time.Duration
	// RcvRTT is the receiver's estimate of the round-trip time.
	RcvRTT time.Duration
	// RTO is the current retransmission timeout.
	RTO time.Duration

	// SndMSS and RcvMSS are the segment sizes, in bytes, used for sending
	// and seen when receiving; PMTU is the path MTU.
	SndMSS, RcvMSS, PMTU uint32
	// SndCwnd is the congestion window, in segments.
	SndCwnd uint32
	// SndSsthresh is the slow start threshold, in segments. It stays
	// SsthreshInfinite until the connection first sees a loss.
	SndSsthresh uint32
	// SndWnd is the peer's advertised receive window in bytes, after
	// scaling (a Linux 5 addition); RcvWnd this side's (a Linux 6 one). A
	// SndWnd of 0 on a connection with data to send means the peer is not
	// reading.
	SndWnd, RcvWnd uint32

	// Unacked counts segments sent and not yet acknowledged. On a LISTEN
	// socket it is the number of connections waiting for accept.
	Unacked uint32
	// Lost counts segments the sender believes lost, now.
	Lost uint32
	// Retransmits counts the consecutive retransmission timeouts of the
	// oldest unacknowledged segment: it climbs while the peer is silent.
	Retransmits uint8
	// Retrans counts retransmitted segments not yet acknowledged.
	Retrans uint32
	// TotalRetrans counts the segments retransmitted over the
	// connection's life.
	TotalRetrans uint32

	// LastDataSent, LastDataRecv and LastAckRecv are how long before the
	// kernel was asked data was last sent, data last received, and an ACK
	// last received (kept to the millisecond).
	LastDataSent, LastDataRecv, LastAckRecv time.Duration

	// BytesSent counts the data bytes sent, retransmissions included;
	// BytesRetrans those that were retransmissions (both Linux 4.19).
	BytesSent, BytesRetrans uint64
	// BytesAcked counts the bytes the peer acknowledged, cumulatively: the
	// sum of every advance of the oldest unacknowledged sequence number.
	// The SYN and the FIN take a sequence number each: a connection that
	// opened actively counts one more than the data it sent, and any
	// connection one more again once its FIN is acknowledged (Linux 4.1).
	BytesAcked uint64
	// BytesReceived counts the data bytes received in order (Linux 4.1).
	BytesReceived uint64
	// NotSentBytes counts the bytes written by the application and not
	// yet sent (Linux 4.6).
	NotSentBytes uint32
	// SegsOut and SegsIn count the segments sent and received, pure ACKs
	// and retransmissions included (Linux 4.2).
	SegsOut, SegsIn uint32

	// PacingRate is the rate, in bytes per second, the kernel paces
	// sending to; RateUnlimited when it does not pace.
	PacingRate uint64
	// DeliveryRate is the most recent measure of the rate, in bytes per
	// second, data reached the peer (Linux 4.9). See AppLimited.
	DeliveryRate uint64
	// BusyTime is how long the connection has had data in flight;
	// RwndLimited how much of it the peer's receive window held sending
	// back, SndbufLimited how much the send buffer did (Linux 4.10).
	BusyTime, RwndLimited, SndbufLimited time.Duration

	// Congestion is the name of the congestion control algorithm
	// ("cubic", "bbr"), or "" when the kernel did not say.
	Congestion string
}

// SsthreshInfinite is the slow start threshold of a connection that has
// not yet seen a loss (the kernel's TCP_INFINITE_SSTHRESH).
const SsthreshInfinite uint32 = 0x7fffffff

// RateUnlimited is the pacing rate of a socket the kernel does not pace.
const RateUnlimited uint64 = 1<<64 - 1

// CAState is a TCP sender's congestion state (enum tcp_ca_state).
type CAState uint8

// Congestion states, numbered as the kernel numbers them.
const (
	CAOpen     CAState = 0 // nothing bad seen recently
	CADisorder CAState = 1 // duplicate ACKs or SACKs: loss or reordering
	CACWR      CAState = 2 // window reduced after ECN marks or a local drop
	CARecovery CAState = 3 // fast recovery, retransmitting lost segments
	CALoss     CAState = 4 // recovery after a retransmission timeout
)

var caStateNames = [...]string{"open", "disorder", "cwr", "recovery", "loss"}

func (s CAState) String() string {
	if int(s) < len(caStateNames) {
		return caStateNames[s]
	}
	return "ca_state(" + itoa(uint64(s)) + ")"
}

// TCPOptions is the set of options a connection negotiated, one bit each
// as the kernel reports them in tcpi_options.
type TCPOptions uint8

// TCP options.
const (
	TCPOptTimestamps  TCPOptions = 1 << 0
	TCPOptSACK        TCPOptions = 1 << 1
	TCPOptWindowScale TCPOptions = 1 << 2
	TCPOptECN         TCPOptions = 1 << 3 // ECN negotiated
	TCPOptECNSeen     TCPOptions = 1 << 4 // a segment marked ECT was received
	TCPOptSYNData     TCPOptions = 1 << 5 // data in the SYN was acknowledged (Fast Open)
	TCPOptUsecTS      TCPOptions = 1 << 6 // timestamps in microseconds (Linux 6.7)
	TCPOptECNLow      TCPOptions = 1 << 7 // low-latency (L4S) ECN configured
)

var tcpOptNames = [...]string{"ts", "sack", "wscale", "ecn", "ecnseen", "syndata", "usects", "ecnlow"}

// Has reports whether every option in x is set.
func (o TCPOptions) Has(x TCPOptions) bool { return o&x == x }

// String lists the options by short names (ts, sack, wscale, ecn, ...),
// space separated, in bit order.
func (o TCPOptions) String() string {
	var names []string
	for i, name := range tcpOptNames {
		if o&(1<<i) != 0 {
			names = append(names, name)
		}
	}
	return strings.Join(names, " ")
}
