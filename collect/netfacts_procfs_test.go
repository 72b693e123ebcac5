//go:build linux

package collect

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/procfs"

	"github.com/conntab/conntab/model"
)

// procfs is the oracle for the counters: pointed at a fake root holding
// the same netstat and snmp, it reads what parseNetstat reads. The live
// files are copied once, so that both read the same moment.
func TestNetCountersAgreeWithProcfs(t *testing.T) {
	live := func(name string) string {
		b, err := os.ReadFile(filepath.Join("/proc/net", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, tt := range []struct {
		name            string
		netstat, snmp   string
		wantFromCapture bool
	}{
		{"captured", netfactsFile(t, "linux-6.18-netstat"), netfactsFile(t, "linux-6.18-snmp"), true},
		{"live", live("netstat"), live("snmp"), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// procfs reads ROOT/PID/net/{netstat,snmp}.
			root := t.TempDir()
			dir := filepath.Join(root, "1", "net")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, text := range map[string]string{"netstat": tt.netstat, "snmp": tt.snmp} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := readNetCounters(dir)
			if err != nil {
				t.Fatal(err)
			}
			want := procfsCounters(t, root)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("procfs and conntab disagree (-procfs +conntab)\n%s", diff)
			}
			if tt.wantFromCapture {
				c := capturedCounters
				c.Read = true
				if diff := cmp.Diff(c, got); diff != "" {
					t.Errorf("counters (-want +got)\n%s", diff)
				}
			}
			// procfs's float64 rounds from 2^53 on.
			for _, f := range netstatFields {
				if *f.get(&got) >= 1<<53 {
					t.Errorf("%s %s = %d: procfs cannot hold it exactly, compare another way", f.group, f.name, *f.get(&got))
				}
			}
		})
	}
}

// procfsCounters reads root/1/net/{netstat,snmp} with procfs.
func procfsCounters(t *testing.T, root string) model.NetCounters {
	t.Helper()
	fs, err := procfs.NewFS(root)
	if err != nil {
		t.Fatal(err)
	}
	p, err := fs.Proc(1)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := p.Netstat()
	if err != nil {
		t.Fatalf("procfs netstat: %v", err)
	}
	snmp, err := p.Snmp()
	if err != nil {
		t.Fatalf("procfs snmp: %v", err)
	}
	u := func(f *float64) uint64 {
		if f == nil {
			return 0
		}
		return uint64(*f)
	}
	return model.NetCounters{
		Read:                true,
		TW:                  u(ns.TW),
		TWRecycled:          u(ns.TWRecycled),
		TWKilled:            u(ns.TWKilled),
		TCPTimeWaitOverflow: u(ns.TCPTimeWaitOverflow),
		ListenOverflows:     u(ns.ListenOverflows),
		ListenDrops:         u(ns.ListenDrops),
		TCPReqQFullDrop:     u(ns.TCPReqQFullDrop),
		ActiveOpens:         u(snmp.ActiveOpens),
		PassiveOpens:        u(snmp.PassiveOpens),
		AttemptFails:        u(snmp.AttemptFails),
		CurrEstab:           u(snmp.CurrEstab),
	}
}
