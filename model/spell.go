package model

import (
	"net/netip"
	"strconv"
	"time"
)

// How values of the model are spelled where a String method will not do:
// appended to a buffer, as the listing and the reports write them.

// AppendTimer appends a timer as kind,expiry,retransmits ("timewait,59.2s,0"),
// or "-" when none is pending.
func AppendTimer(dst []byte, t Timer) []byte {
	if t.Kind == TimerNone {
		return append(dst, '-')
	}
	dst = append(dst, t.Kind.String()...)
	dst = append(dst, ',')
	dst = AppendDuration(dst, t.Expires)
	dst = append(dst, ',')
	return strconv.AppendUint(dst, uint64(t.Retrans), 10)
}

// AppendDuration appends d in a short human form: 230ms, 59.2s, 5m3s.
func AppendDuration(dst []byte, d time.Duration) []byte {
	switch {
	case d < time.Second:
		dst = strconv.AppendInt(dst, d.Milliseconds(), 10)
		return append(dst, 'm', 's')
	case d < time.Minute:
		dst = strconv.AppendFloat(dst, float64(d.Milliseconds()/100)/10, 'f', 1, 64)
		return append(dst, 's')
	}
	dst = strconv.AppendInt(dst, int64(d/time.Minute), 10)
	dst = append(dst, 'm')
	dst = strconv.AppendInt(dst, int64(d%time.Minute/time.Second), 10)
	return append(dst, 's')
}

// AppendPeer appends a peer endpoint as ss shows it: port 0, no peer yet,
// is "*" (0.0.0.0:*, [::]:*).
func AppendPeer(dst []byte, ap netip.AddrPort) []byte {
	if ap.Port() != 0 {
		return ap.AppendTo(dst)
	}
	if ap.Addr().Is6() {
		dst = append(dst, '[')
		dst = ap.Addr().AppendTo(dst)
		return append(dst, ']', ':', '*')
	}
	dst = ap.Addr().AppendTo(dst)
	return append(dst, ':', '*')
}

// AppendRate appends a rate per second as every report writes it: whole
// from 10 up, else to a tenth, cut rather than rounded ("2.4", "17").
func AppendRate(dst []byte, r float64) []byte {
	if r >= 10 {
		return strconv.AppendInt(dst, int64(r), 10)
	}
	return strconv.AppendFloat(dst, float64(int64(r*10))/10, 'f', 1, 64)
}

// TwReuseMeaning says what a net.ipv4.tcp_tw_reuse value means: "off",
// "on", "loopback only" (or "loopback" when short), "" for a value the
// kernel does not define.
func TwReuseMeaning(v int, short bool) string {
	switch v {
	case 0:
		return "off"
	case 1:
		return "on"
	case 2:
		if short {
			return "loopback"
		}
		return "loopback only"
	}
	return ""
}
