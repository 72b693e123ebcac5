package model

import "testing"

func TestCAStateString(t *testing.T) {
	for _, tt := range []struct {
		s    CAState
		want string
	}{
		{CAOpen, "open"}, {CADisorder, "disorder"}, {CACWR, "cwr"}, {CARecovery, "recovery"}, {CALoss, "loss"},
		{5, "ca_state(5)"},
	} {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("CAState(%d) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestTCPOptions(t *testing.T) {
	for _, tt := range []struct {
		o    TCPOptions
		want string
	}{
		{0, ""},
		{TCPOptTimestamps | TCPOptSACK | TCPOptWindowScale, "ts sack wscale"},
		{TCPOptECN | TCPOptECNSeen, "ecn ecnseen"},
		{TCPOptSYNData | TCPOptUsecTS | TCPOptECNLow, "syndata usects ecnlow"},
	} {
		if got := tt.o.String(); got != tt.want {
			t.Errorf("TCPOptions(%#x) = %q, want %q", uint8(tt.o), got, tt.want)
		}
	}
	ts, both := TCPOptTimestamps, TCPOptTimestamps|TCPOptSACK
	if !both.Has(ts) || ts.Has(both) || !ts.Has(0) {
		t.Errorf("Has: ts|sack has ts %v, ts has ts|sack %v, ts has none %v; want true, false, true", both.Has(ts), ts.Has(both), ts.Has(0))
	}
}
