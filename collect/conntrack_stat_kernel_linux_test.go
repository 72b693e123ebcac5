package collect

import (
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
)

// TestKernelConntrackStat: in a namespace of the test's own, the
// conntrack statistics a snapshot carries are conntrack -S's, summed over
// the CPUs, field by field.
func TestKernelConntrackStat(t *testing.T) {
	ns := nstest.Require(t)
	if _, err := exec.LookPath("conntrack"); err != nil {
		t.Skip("conntrack (conntrack-tools) is not installed: .ci/run installs it")
	}
	var snap *model.Snapshot
	var err error
	offMainThread(func() {
		snap, err = New(Config{NetNS: ns.Path(), Settings: true}).Collect(context.Background())
	})
	if err != nil {
		t.Fatal(err)
	}
	got := snap.Host.Counters.Conntrack
	out, err := ns.Command("conntrack", "-S").Output()
	if err != nil {
		t.Skipf("conntrack -S in the namespace: %v (nf_conntrack not loaded?)", err)
	}
	if !got.Read {
		t.Fatalf("conntrack -S answers, but the snapshot has no conntrack statistics:\n%s", out)
	}
	sum := func(field string) uint64 {
		var n uint64
		for _, m := range regexp.MustCompile(`\b`+field+`=([0-9]+)`).FindAllSubmatch(out, -1) {
			v, _ := strconv.ParseUint(string(m[1]), 10, 64)
			n += v
		}
		return n
	}
	want := model.ConntrackStats{Read: true, InsertFailed: sum("insert_failed"), Drop: sum("drop"), EarlyDrop: sum("early_drop"), SearchRestart: sum("search_restart")}
	if got != want {
		t.Errorf("snapshot %+v, conntrack -S %+v:\n%s", got, want, out)
	}
}
