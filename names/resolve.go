package names

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/conntab/conntab/model"
)

// Resolver names addresses by reverse lookups (ss -r), through the system's
// resolver configuration only: /etc/hosts first, then the name servers of
// /etc/resolv.conf, as Go's own resolver reads them. What it learns, names
// and failures alike, is cached for the Resolver's life, so an address is
// asked about once.
//
// Names from DNS are untrusted text: whoever shows one escapes it
// (render/escape), as a process name.
type Resolver struct {
	// Lookup is the reverse lookup; nil is net.Resolver{PreferGo: true}'s
	// LookupAddr.
	Lookup func(ctx context.Context, addr string) ([]string, error)
	// PerLookup bounds one address's lookup; zero is 500ms.
	PerLookup time.Duration
	// Total bounds one Resolve call; zero is 1s.
	Total time.Duration
	// Workers is how many lookups run at once; zero is 8.
	Workers int

	mu    sync.Mutex
	cache map[netip.Addr]string // "" is a negative entry
}

// Hosts are the names a Resolve call got in time, by address.
type Hosts map[netip.Addr]string

// Name is a's name, or false when it has none (not resolved, not in time).
func (h Hosts) Name(a netip.Addr) (string, bool) {
	name, ok := h[a.Unmap()]
	return name, ok
}

// Resolve names addrs, at most r.Workers at a time, and returns within
// r.Total (or ctx's end) with what it got: an address not named in time
// keeps its number. Lookups still running then finish into the cache, for
// the next call. Unspecified addresses (0.0.0.0, ::) are not looked up.
func (r *Resolver) Resolve(ctx context.Context, addrs []netip.Addr) Hosts {
	ctx, cancel := context.WithTimeout(ctx, or(r.Total, time.Second))
	todo := r.pending(addrs)
	done := make(chan struct{})
	go func() {
		defer cancel()
		defer close(done)
		r.lookupAll(ctx, todo)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	return r.known(addrs)
}

// pending is addrs without the cached, the unspecified and the repeated.
func (r *Resolver) pending(addrs []netip.Addr) []netip.Addr {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cache == nil {
		r.cache = make(map[netip.Addr]string)
	}
	seen := make(map[netip.Addr]bool, len(addrs))
	var todo []netip.Addr
	for _, a := range addrs {
		a = a.Unmap()
		if _, cached := r.cache[a]; cached || seen[a] || !a.IsValid() || a.IsUnspecified() {
			continue
		}
		seen[a] = true
		todo = append(todo, a)
	}
	return todo
}

// lookupAll looks todo up with r.Workers workers, each lookup bounded by
// r.PerLookup within ctx.
func (r *Resolver) lookupAll(ctx context.Context, todo []netip.Addr) {
	lookup := r.Lookup
	if lookup == nil {
		lookup = (&net.Resolver{PreferGo: true}).LookupAddr
	}
	work := make(chan netip.Addr)
	var wg sync.WaitGroup
	for range min(or(r.Workers, 8), len(todo)) {
		wg.Go(func() {
			for a := range work {
				r.lookupOne(ctx, lookup, a)
			}
		})
	}
	for _, a := range todo {
		select {
		case work <- a:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
}

// lookupOne looks a up and caches the answer; a failure is cached as no
// name unless it was the call's deadline that ended it.
func (r *Resolver) lookupOne(ctx context.Context, lookup func(context.Context, string) ([]string, error), a netip.Addr) {
	if ctx.Err() != nil {
		return
	}
	lctx, cancel := context.WithTimeout(ctx, or(r.PerLookup, 500*time.Millisecond))
	defer cancel()
	names, err := lookup(lctx, a.String())
	if err != nil && ctx.Err() != nil {
		return
	}
	name := ""
	if len(names) > 0 {
		name = strings.TrimSuffix(names[0], ".")
	}
	r.mu.Lock()
	r.cache[a] = name
	r.mu.Unlock()
}

// known is the cache's names of addrs.
func (r *Resolver) known(addrs []netip.Addr) Hosts {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := make(Hosts)
	for _, a := range addrs {
		a = a.Unmap()
		if name := r.cache[a]; name != "" {
			h[a] = name
		}
	}
	return h
}

// or is v, or def when v is not positive.
func or[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Addrs is the addresses of socks' two ends, each once, in the order met.
func Addrs(socks []model.Socket) []netip.Addr {
	seen := make(map[netip.Addr]bool)
	var out []netip.Addr
	for i := range socks {
		for _, a := range [2]netip.Addr{socks[i].Local.Addr().Unmap(), socks[i].Remote.Addr().Unmap()} {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return out
}
