package collect

import (
	"context"
	"errors"
	"net"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
)

// On namespaces the test made: the settings are the namespace's own, as
// the test set them, and the counters count exactly the connections the
// test made there, none of the host's.
func TestKernelNetFacts(t *testing.T) {
	collect := func(t *testing.T, c *Collector) *model.Snapshot {
		t.Helper()
		var snap *model.Snapshot
		var err error
		offMainThread(func() { snap, err = c.Collect(context.Background()) })
		if err != nil {
			t.Fatal(err)
		}
		return snap
	}

	t.Run("not asked for", func(t *testing.T) {
		ns, _ := netfactsNS(t)
		snap := collect(t, New(Config{NetNS: ns.Path()}))
		if diff := cmp.Diff(model.NetSettings{}, snap.Host.Settings); diff != "" {
			t.Errorf("settings (-want +got)\n%s", diff)
		}
		if diff := cmp.Diff(model.NetCounters{}, snap.Host.Counters); diff != "" {
			t.Errorf("counters (-want +got)\n%s", diff)
		}
	})

	for _, mode := range []Mode{ModeNetlink, ModeProc} {
		t.Run(mode.String(), func(t *testing.T) {
			ns, wantSettings := netfactsNS(t)
			c := New(Config{Mode: mode, NetNS: ns.Path(), Settings: true})
			before := collect(t, c)
			if diff := cmp.Diff(wantSettings, before.Host.Settings); diff != "" {
				t.Errorf("settings (-want +got)\n%s", diff)
			}
			// A new namespace has made no connection, and conntrack (where
			// it is loaded: TestKernelConntrackStat) has refused none.
			fresh := model.NetCounters{Read: true}
			fresh.Conntrack.Read = before.Host.Counters.Conntrack.Read
			if diff := cmp.Diff(fresh, before.Host.Counters); diff != "" {
				t.Errorf("counters of a new namespace (-want +got)\n%s", diff)
			}

			const conns = 3
			closeAll := openConnections(t, ns, conns)
			defer closeAll()
			// A connect to a port nobody listens on: one more active
			// open, and a failed attempt.
			if conn, err := ns.Dial("tcp", "127.0.0.1:"+strconv.Itoa(closedPort(t, ns))); err == nil {
				conn.Close()
				t.Fatal("dialled a closed port")
			}
			after := collect(t, c)
			want := before.Host.Counters
			want.ActiveOpens += conns + 1
			want.PassiveOpens += conns
			want.AttemptFails++
			want.CurrEstab += 2 * conns // both ends, all ESTABLISHED
			if diff := cmp.Diff(want, after.Host.Counters); diff != "" {
				t.Errorf("counters after %d connections and a refused connect (-want +got)\n%s", conns, diff)
			}
			if diff := cmp.Diff(wantSettings, after.Host.Settings); diff != "" {
				t.Errorf("settings of the second snapshot (-want +got)\n%s", diff)
			}
		})
	}
}

// netfactsNS makes a namespace for t with its port sysctls set, and
// returns the settings a snapshot of it must hold.
func netfactsNS(t *testing.T) (*nstest.NS, model.NetSettings) {
	t.Helper()
	ns := nstest.Require(t)
	set := map[string]string{
		"net.ipv4.tcp_tw_reuse":               "0",
		"net.ipv4.tcp_timestamps":             "2",
		"net.ipv4.tcp_fin_timeout":            "17",
		"net.ipv4.tcp_max_tw_buckets":         "12345",
		"net.core.somaxconn":                  "777",
		"net.ipv4.ip_unprivileged_port_start": "900",
	}
	want := model.NetSettings{
		Read: true, UnprivilegedPortStart: 900, TCPTwReuse: 0, TCPTwReuseDelay: -1, TCPTimestamps: 2,
		TCPFinTimeout: 17 * time.Second, TCPMaxTwBuckets: 12345, Somaxconn: 777, ConntrackCount: -1, ConntrackMax: -1,
	}
	if kernelAtLeast(6, 13) {
		set["net.ipv4.tcp_tw_reuse_delay"] = "1234"
		want.TCPTwReuseDelay = 1234
	}
	for name, value := range set {
		if err := ns.Sysctl(name, value); err != nil {
			t.Fatal(err)
		}
	}
	// Connection tracking is the host's choice (a module): the
	// namespace's own files say what to expect.
	for name, dst := range map[string]*int{"net.netfilter.nf_conntrack_count": &want.ConntrackCount, "net.netfilter.nf_conntrack_max": &want.ConntrackMax} {
		v, err := ns.ReadSysctl(name)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if *dst, err = strconv.Atoi(v); err != nil {
			t.Fatal(err)
		}
	}
	return ns, want
}

// openConnections makes n loopback connections in ns, accepted and
// ESTABLISHED at both ends, and returns a function that closes them.
func openConnections(t *testing.T, ns *nstest.NS, n int) (closeAll func()) {
	t.Helper()
	l, err := ns.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	closeAll = func() {
		for _, c := range conns {
			c.Close()
		}
		l.Close()
	}
	for range n {
		c, err := ns.Dial("tcp", l.Addr().String())
		if err != nil {
			closeAll()
			t.Fatal(err)
		}
		conns = append(conns, c)
		s, err := l.Accept()
		if err != nil {
			closeAll()
			t.Fatal(err)
		}
		conns = append(conns, s)
	}
	return closeAll
}

// closedPort returns a loopback port in ns that nothing listens on: one a
// listener had and gave back.
func closedPort(t *testing.T, ns *nstest.NS) int {
	t.Helper()
	l, err := ns.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// offMainThread runs fn on a thread other than the process's main one.
// /proc/net is the main thread's namespace, not the caller's: on the main
// thread, reading it instead of thread-self/net would give the right
// counters by chance.
func offMainThread(fn func()) {
	release := make(chan struct{})
	defer close(release)
	for {
		ran := make(chan bool)
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			if unix.Gettid() == unix.Getpid() {
				ran <- false
				<-release // keep the main thread busy until fn has run
				return
			}
			fn()
			ran <- true
		}()
		if <-ran {
			return
		}
	}
}
