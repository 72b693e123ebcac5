package names

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestResolverLoopback: 127.0.0.1 is named from /etc/hosts, offline;
// the unspecified address is not looked up and keeps its number.
func TestResolverLoopback(t *testing.T) {
	var r Resolver
	lo, any := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("0.0.0.0")
	h := r.Resolve(t.Context(), []netip.Addr{lo, any, netip.MustParseAddr("::ffff:127.0.0.1")})
	if name, ok := h.Name(lo); !ok || name != "localhost" {
		t.Errorf("127.0.0.1: %q, %v; want localhost (from /etc/hosts)", name, ok)
	}
	if name, ok := h.Name(any); ok {
		t.Errorf("0.0.0.0 named %q", name)
	}
}

// TestResolverGivesUp: with a name server that never answers (a UDP
// socket this test holds on loopback and never reads), an address not in
// /etc/hosts keeps its number and Resolve returns by its deadline.
func TestResolverGivesUp(t *testing.T) {
	hole, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()
	nr := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", hole.LocalAddr().String())
	}}
	r := Resolver{Lookup: nr.LookupAddr, PerLookup: time.Minute, Total: time.Second}
	a := netip.MustParseAddr("192.0.2.1") // TEST-NET-1: in no hosts file
	start := time.Now()
	h := r.Resolve(t.Context(), []netip.Addr{a})
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Resolve took %v; its deadline is 1s", took)
	}
	if name, ok := h.Name(a); ok {
		t.Errorf("192.0.2.1 named %q by a silent server", name)
	}
}

// TestResolverCacheAndWorkers: each address is looked up once over two
// calls, failures included, and no more than Workers lookups run at once.
func TestResolverCacheAndWorkers(t *testing.T) {
	var mu sync.Mutex
	calls := map[string]int{}
	var running, most atomic.Int32
	r := Resolver{Workers: 3, Lookup: func(_ context.Context, addr string) ([]string, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		calls[addr]++
		mu.Unlock()
		if addr == "10.0.0.13" {
			return nil, &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}
		}
		return []string{"h-" + addr + "."}, nil
	}}
	var addrs []netip.Addr
	for i := range 20 {
		addrs = append(addrs, netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}))
	}
	for range 2 {
		h := r.Resolve(t.Context(), append(addrs, addrs...))
		if name, _ := h.Name(addrs[1]); name != "h-10.0.0.1" {
			t.Errorf("10.0.0.1: %q, want h-10.0.0.1", name)
		}
		if name, ok := h.Name(addrs[13]); ok {
			t.Errorf("10.0.0.13 named %q", name)
		}
	}
	for addr, n := range calls {
		if n != 1 {
			t.Errorf("%s looked up %d times", addr, n)
		}
	}
	if len(calls) != 20 || most.Load() > 3 {
		t.Errorf("%d addresses looked up, %d at once; want 20, at most 3", len(calls), most.Load())
	}
}
