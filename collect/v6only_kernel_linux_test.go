package collect

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
)

// TestKernelV6Only makes IPv6 wildcard sockets with and without
// IPV6_V6ONLY, TCP and UDP, and checks that sock_diag's answer is read
// into Socket.V6Only as ss reads it ("*" dual-stack, "[::]" IPv6 only),
// that /proc leaves it unknown, and that no other socket has it.
func TestKernelV6Only(t *testing.T) {
	ns := nstest.Require(t)
	want := map[string]model.V6Only{
		"tcp [::]:2201":  model.V6OnlyOff, // Go's "tcp" on [::] is dual-stack
		"tcp [::]:2202":  model.V6OnlyOn,  // "tcp6" sets IPV6_V6ONLY
		"udp [::]:2203":  model.V6OnlyOff,
		"udp [::]:2204":  model.V6OnlyOn,
		"tcp [::1]:2205": model.V6OnlyOn, // loopback: the kernel still says
	}
	for _, l := range []struct{ network, addr string }{
		{"tcp", "[::]:2201"}, {"tcp6", "[::]:2202"}, {"tcp6", "[::1]:2205"}, {"tcp4", "0.0.0.0:2206"},
	} {
		ln, err := ns.Listen(l.network, l.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
	}
	for _, l := range []struct{ network, addr string }{{"udp", "[::]:2203"}, {"udp6", "[::]:2204"}} {
		pc, err := ns.ListenPacket(l.network, l.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
	}
	// A connected IPv6 socket: no V6Only.
	c, err := ns.Dial("tcp6", "[::1]:2205")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	snap, err := New(Config{Mode: ModeNetlink, NetNS: ns.Path()}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]model.V6Only{}
	for _, s := range snap.Sockets {
		if s.V6Only == model.V6OnlyUnknown {
			continue
		}
		if s.Family != model.FamilyInet6 || (s.State != model.StateListen && s.State != model.StateUnconn) {
			t.Errorf("V6Only %d on %s", s.V6Only, tuple(&s))
		}
		got[s.Proto.String()+" "+s.Local.String()] = s.V6Only
	}
	delete(want, "tcp [::1]:2205") // checked below, not by ss
	loop := got["tcp [::1]:2205"]
	delete(got, "tcp [::1]:2205")
	if loop != model.V6OnlyOn {
		t.Errorf("[::1]:2205 from tcp6: V6Only %d, want %d", loop, model.V6OnlyOn)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("V6Only by socket (-want +got)\n%s", diff)
	}

	fromSS, err := nstest.SS(ns)
	if err != nil {
		t.Skipf("no ss to compare with: %v", err)
	}
	bySS := map[string]model.V6Only{}
	for _, s := range fromSS {
		if s.V6Only != model.V6OnlyUnknown {
			bySS[s.Proto.String()+" "+s.Local.String()] = s.V6Only
		}
	}
	if diff := cmp.Diff(bySS, got); diff != "" {
		t.Errorf("conntab and ss disagree (-ss +conntab)\n%s", diff)
	}

	snap, err = New(Config{Mode: ModeProc, NetNS: ns.Path()}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(snap.Sockets, func(s model.Socket) bool { return s.V6Only != model.V6OnlyUnknown }); i >= 0 {
		t.Errorf("/proc cannot see IPV6_V6ONLY, yet %s has V6Only %d", tuple(&snap.Sockets[i]), snap.Sockets[i].V6Only)
	}
}
