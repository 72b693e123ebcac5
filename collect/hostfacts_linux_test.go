package collect

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/procfs"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
)

// procfs is the oracle for the sysctls conntab reads itself: on a namespace
// with a changed range and reserved ports, both read the same facts.
func TestHostFactsAgreeWithProcfs(t *testing.T) {
	ns := nstest.Require(t)
	if err := ns.Sysctl("net.ipv4.ip_local_port_range", "20000 29999"); err != nil {
		t.Fatal(err)
	}
	if err := ns.Sysctl("net.ipv4.ip_local_reserved_ports", "20080,21000-21010"); err != nil {
		t.Fatal(err)
	}
	var got model.HostFacts
	var rng, res []string
	// /proc/sys/net is the namespace of the thread that opens it.
	err := ns.Do(func() error {
		var err error
		if got, err = readHostFacts("/proc"); err != nil {
			return err
		}
		fs, err := procfs.NewFS("/proc")
		if err != nil {
			return err
		}
		if rng, err = fs.SysctlStrings("net.ipv4.ip_local_port_range"); err != nil {
			return err
		}
		res, err = fs.SysctlStrings("net.ipv4.ip_local_reserved_ports")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := model.HostFacts{Ephemeral: model.PortRange{Lo: 20000, Hi: 29999}, Reserved: []model.PortRange{{Lo: 20080, Hi: 20080}, {Lo: 21000, Hi: 21010}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("readHostFacts (-want +got)\n%s", diff)
	}
	oracleRange, err := model.ParsePortRange(strings.Join(rng, " "))
	if err != nil {
		t.Fatal(err)
	}
	oracleRes, err := model.ParsePortList(strings.Join(res, ""))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(model.HostFacts{Ephemeral: oracleRange, Reserved: oracleRes}, got); diff != "" {
		t.Errorf("procfs and conntab disagree (-procfs +conntab)\n%s", diff)
	}
}
