package collect

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

// netfactsRoot makes a fake procfs root holding files (paths below the
// root) and a TCP listener in net/tcp.
func netfactsRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	files = maps.Clone(files)
	files["net/tcp"] = procHeader4 + procListenLine(0, 80, 7)
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// Settings and counters are read from the root's sys/net and net, each
// half on its own: one that fails is left unread, reported with the
// snapshot, whose sockets are all there.
func TestCollectNetFacts(t *testing.T) {
	sysctls := map[string]string{
		"sys/net/ipv4/ip_unprivileged_port_start": "900\n",
		"sys/net/ipv4/tcp_tw_reuse":               "2\n",
		"sys/net/ipv4/tcp_tw_reuse_delay":         "1000\n",
		"sys/net/ipv4/tcp_timestamps":             "1\n",
		"sys/net/ipv4/tcp_fin_timeout":            "17\n",
		"sys/net/ipv4/tcp_max_tw_buckets":         "12345\n",
		"sys/net/core/somaxconn":                  "777\n",
		"sys/net/netfilter/nf_conntrack_count":    "3\n",
		"sys/net/netfilter/nf_conntrack_max":      "262144\n",
	}
	counters := map[string]string{
		"net/netstat": netfactsFile(t, "linux-6.18-netstat"),
		"net/snmp":    netfactsFile(t, "linux-6.18-snmp"),
	}
	all := func() map[string]string {
		m := maps.Clone(sysctls)
		maps.Copy(m, counters)
		return m
	}
	with := func(m map[string]string, name, content string) map[string]string {
		m = maps.Clone(m)
		if content == "" {
			delete(m, name)
		} else {
			m[name] = content
		}
		return m
	}
	settings := model.NetSettings{
		Read: true, UnprivilegedPortStart: 900, TCPTwReuse: 2, TCPTwReuseDelay: 1000, TCPTimestamps: 1,
		TCPFinTimeout: 17 * time.Second, TCPMaxTwBuckets: 12345, Somaxconn: 777, ConntrackCount: 3, ConntrackMax: 262144,
	}
	optionalMissing := settings
	optionalMissing.TCPTwReuseDelay, optionalMissing.ConntrackCount, optionalMissing.ConntrackMax = -1, -1, -1
	negativeFin := settings
	negativeFin.TCPFinTimeout = -time.Second
	read := capturedCounters
	read.Read = true

	tests := []struct {
		name     string
		files    map[string]string
		settings bool
		want     model.HostFacts
		wantErr  []error // each must match with errors.Is; nil: no error
		quote    string  // what the error must say
	}{
		{name: "both", files: all(), settings: true, want: model.HostFacts{Settings: settings, Counters: read}},
		{name: "not asked for", files: all(), settings: false, want: model.HostFacts{}},
		{
			name: "optional sysctls missing", settings: true,
			files: with(with(with(all(), "sys/net/ipv4/tcp_tw_reuse_delay", ""), "sys/net/netfilter/nf_conntrack_count", ""), "sys/net/netfilter/nf_conntrack_max", ""),
			want:  model.HostFacts{Settings: optionalMissing, Counters: read},
		},
		{
			// The kernel takes it, and waits 3.5 RTOs.
			name: "negative fin timeout", settings: true,
			files: with(all(), "sys/net/ipv4/tcp_fin_timeout", "-1\n"),
			want:  model.HostFacts{Settings: negativeFin, Counters: read},
		},
		{
			name: "somaxconn missing", settings: true,
			files: with(all(), "sys/net/core/somaxconn", ""), want: model.HostFacts{Counters: read},
			wantErr: []error{os.ErrNotExist}, quote: "somaxconn",
		},
		{
			name: "bad sysctl", settings: true,
			files: with(all(), "sys/net/ipv4/tcp_fin_timeout", "17s\n"), want: model.HostFacts{Counters: read},
			wantErr: []error{ErrDecode}, quote: `sys/net/ipv4/tcp_fin_timeout: "17s" is not an integer`,
		},
		{
			name: "fin timeout past a Duration", settings: true,
			files: with(all(), "sys/net/ipv4/tcp_fin_timeout", "9300000000\n"), want: model.HostFacts{Counters: read},
			wantErr: []error{ErrDecode}, quote: "9300000000 seconds is out of range",
		},
		{
			name: "netstat missing", settings: true,
			files: with(all(), "net/netstat", ""), want: model.HostFacts{Settings: settings},
			wantErr: []error{os.ErrNotExist}, quote: "net/netstat",
		},
		{
			name: "snmp malformed", settings: true,
			files: with(all(), "net/snmp", netfactsFile(t, "bad-value-snmp")), want: model.HostFacts{Settings: settings},
			wantErr: []error{ErrDecode, errNetstatValue}, quote: `net/snmp line 4: bad value "7x" for PassiveOpens`,
		},
		{
			name: "neither", settings: true,
			files: with(counters, "net/snmp", ""), want: model.HostFacts{},
			wantErr: []error{os.ErrNotExist}, quote: "ip_unprivileged_port_start",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := netfactsRoot(t, tt.files)
			cfg := Config{Mode: ModeProc, ProcRoot: root, Protos: []model.Proto{model.ProtoTCP}, Families: []model.Family{model.FamilyInet}, Settings: tt.settings}
			snap, err := New(cfg).Collect(context.Background())
			if snap == nil {
				t.Fatalf("no snapshot: %v", err)
			}
			if len(snap.Sockets) != 1 {
				t.Errorf("%d sockets, want the listener", len(snap.Sockets))
			}
			if diff := cmp.Diff(tt.want, snap.Host); diff != "" {
				t.Errorf("host facts (-want +got)\n%s", diff)
			}
			switch {
			case tt.wantErr == nil && err != nil:
				t.Errorf("err = %v", err)
			case tt.wantErr != nil && err == nil:
				t.Errorf("no error, want %v", tt.wantErr)
			case err != nil:
				for _, e := range tt.wantErr {
					if !errors.Is(err, e) {
						t.Errorf("err = %v, want it to match %v", err, e)
					}
				}
				if !strings.Contains(err.Error(), tt.quote) {
					t.Errorf("err = %v, want it to say %q", err, tt.quote)
				}
			}
		})
	}
}
