package model_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/internal/modeltest"
	. "github.com/conntab/conntab/model"
)

func TestScope(t *testing.T) {
	tests := []struct {
		name        string
		s           Socket
		want        BindScope
		text, short string
	}{
		{"IPv4 wildcard", modeltest.Sock(ProtoTCP, StateListen, "0.0.0.0:80", "0.0.0.0:0"), ScopeAllIPv4, "all (IPv4)", "all4"},
		{"IPv6 wildcard, v6only unknown", modeltest.Sock(ProtoTCP, StateListen, "[::]:80", "[::]:0"), ScopeAllIPv6Maybe, "all (IPv6, IPv4?)", "all6?"},
		{"IPv6 wildcard, v6only", v6only(modeltest.Sock(ProtoTCP, StateListen, "[::]:80", "[::]:0"), V6OnlyOn), ScopeAllIPv6, "all (IPv6 only)", "all6"},
		{"IPv6 wildcard, dual-stack", v6only(modeltest.Sock(ProtoTCP, StateListen, "[::]:80", "[::]:0"), V6OnlyOff), ScopeDualStack, "all (dual-stack)", "all46"},
		{"UDP IPv6 wildcard, dual-stack", v6only(modeltest.Sock(ProtoUDP, StateUnconn, "[::]:53", "[::]:0"), V6OnlyOff), ScopeDualStack, "all (dual-stack)", "all46"},
		{"IPv6 loopback, v6only", v6only(modeltest.Sock(ProtoTCP, StateListen, "[::1]:631", "[::]:0"), V6OnlyOn), ScopeLoopback, "loopback", "lo"},
		{"mapped IPv4 wildcard, stored unmapped", modeltest.MappedSock(StateListen, "0.0.0.0:80", "0.0.0.0:0"), ScopeAllIPv4, "all (IPv4)", "all4"},
		{"mapped IPv4 wildcard, left mapped", modeltest.Sock(ProtoTCP, StateListen, "[::ffff:0.0.0.0]:80", "[::]:0"), ScopeAllIPv4, "all (IPv4)", "all4"},
		{"IPv4 loopback", modeltest.Sock(ProtoTCP, StateListen, "127.0.0.1:5432", "0.0.0.0:0"), ScopeLoopback, "loopback", "lo"},
		{"all of 127/8 is loopback", modeltest.Sock(ProtoTCP, StateListen, "127.0.0.53:53", "0.0.0.0:0"), ScopeLoopback, "loopback", "lo"},
		{"IPv6 loopback", modeltest.Sock(ProtoTCP, StateListen, "[::1]:631", "[::]:0"), ScopeLoopback, "loopback", "lo"},
		{"mapped loopback, stored unmapped", modeltest.MappedSock(StateListen, "127.0.0.1:8080", "0.0.0.0:0"), ScopeLoopback, "loopback", "lo"},
		{"mapped loopback, left mapped", modeltest.Sock(ProtoTCP, StateListen, "[::ffff:127.0.0.1]:8080", "[::]:0"), ScopeLoopback, "loopback", "lo"},
		{"one IPv4 address", modeltest.Sock(ProtoTCP, StateListen, "10.0.0.1:22", "0.0.0.0:0"), ScopeAddress, "one address", "addr"},
		{"one IPv6 address", modeltest.Sock(ProtoTCP, StateListen, "[2001:db8::1]:22", "[::]:0"), ScopeAddress, "one address", "addr"},
		{"link-local with a zone", modeltest.Sock(ProtoUDP, StateUnconn, "[fe80::1%eth0]:546", "[::]:0"), ScopeAddress, "one address", "addr"},
		{"bound-only socket", modeltest.Sock(ProtoTCP, StateBoundInactive, "0.0.0.0:9000", "0.0.0.0:0"), ScopeAllIPv4, "all (IPv4)", "all4"},
		{"no address", Socket{}, ScopeUnknown, "unknown", "?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Scope(&tt.s)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Scope(%v) (-want +got):\n%s", tt.s.Local, diff)
			}
			if got.String() != tt.text || got.Short() != tt.short {
				t.Errorf("String, Short = %q, %q; want %q, %q", got.String(), got.Short(), tt.text, tt.short)
			}
		})
	}
	if s := BindScope(42); s.String() != "scope(42)" || s.Short() != "?" {
		t.Errorf("BindScope(42): String, Short = %q, %q", s.String(), s.Short())
	}
}

func v6only(s Socket, v V6Only) Socket {
	s.V6Only = v
	return s
}

func TestScopeAll(t *testing.T) {
	for b := ScopeUnknown; b <= ScopeAllIPv6Maybe; b++ {
		want := b != ScopeUnknown && b != ScopeLoopback && b != ScopeAddress
		if b.All() != want {
			t.Errorf("%v.All() = %v, want %v", b, b.All(), want)
		}
	}
}
