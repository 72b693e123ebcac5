package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
)

// listSummary runs `conntab list -s --json ARGS` and reads its document.
func listSummary(t *testing.T, args ...string) *render.SummaryJSON {
	t.Helper()
	var out, errb bytes.Buffer
	args = append([]string{"list", "-s", "--json"}, args...)
	if err := run(t.Context(), args, &out, &errb); err != nil {
		t.Fatalf("conntab %s: %v (stderr %q)", strings.Join(args, " "), err, errb.String())
	}
	var j render.SummaryJSON
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		t.Fatalf("conntab %s: %v:\n%s", strings.Join(args, " "), err, out.String())
	}
	return &j
}

var (
	ssTCPLine       = regexp.MustCompile(`(?m)^TCP:\s+\d+ \(estab (\d+), closed \d+, orphaned \d+, timewait (\d+)\)$`)
	ssTransportLine = regexp.MustCompile(`(?m)^(TCP|UDP)\s+(\d+)\s+(\d+)\s+(\d+)\s*$`)
)

// ssSummary runs `ss -s` in ns and reads the figures it gives for the
// namespace alone: estab and timewait, and the Transport table's TCP and
// UDP rows. (Its Total counts sockets of every kind; closed and orphaned
// come from counters the kernel keeps for every namespace at once.)
func ssSummary(t *testing.T, ns *nstest.NS) render.SSJSON {
	t.Helper()
	out, err := ns.Command("ss", "-s").Output()
	if err != nil {
		t.Fatalf("ss -s: %v", err)
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	m := ssTCPLine.FindStringSubmatch(string(out))
	rows := ssTransportLine.FindAllStringSubmatch(string(out), -1)
	if m == nil || len(rows) != 2 {
		t.Fatalf("ss -s said something else:\n%s", out)
	}
	got := render.SSJSON{Estab: atoi(m[1]), TimeWait: atoi(m[2])}
	for _, r := range rows {
		row := render.TransportJSON{Total: atoi(r[2]), IP: atoi(r[3]), IPv6: atoi(r[4])}
		if r[1] == "TCP" {
			got.TCP = row
		} else {
			got.UDP = row
		}
	}
	return got
}

// TestKernelSummaryAgreesWithSS: in a namespace holding one socket of
// each kind (TCP listening, established, time-wait, closing both ways,
// bound only; UDP bound and connected), `conntab list -s` counts what ss
// counts: its states table, state by state, what `ss -tuan` lists; its ss
// figures what `ss -s` says. -su counts the UDP sockets, unconnected
// ones too, and -s counts what -as counts.
func TestKernelSummaryAgreesWithSS(t *testing.T) {
	ns, fromSS := knownSetWithSS(t)
	wantStates := map[string]int{}
	udp := 0
	for _, s := range fromSS {
		wantStates[s.Proto.String()+"/"+s.Family.String()+" "+s.State.String()]++
		if s.Proto == model.ProtoUDP {
			udp++
		}
	}
	wantSS := ssSummary(t, ns)
	t.Logf("ss -s: %+v", wantSS)
	for _, source := range []string{"netlink", "proc"} {
		t.Run(source, func(t *testing.T) {
			got := listSummary(t, "-N", ns.Path(), "--source", source)
			gotStates := map[string]int{}
			for _, st := range got.States {
				// ss 6.1 does not know BOUND_INACTIVE: ss -s leaves it out.
				if st.State == "BOUND_INACTIVE" {
					if st.Total != got.SS.TCPLeftOut.Bound {
						t.Errorf("%d bound-only sockets, %d left out of ss's TCP", st.Total, got.SS.TCPLeftOut.Bound)
					}
					continue
				}
				for netid, n := range map[string]int{"tcp/inet": st.TCP, "tcp/inet6": st.TCP6, "udp/inet": st.UDP, "udp/inet6": st.UDP6} {
					if n > 0 {
						gotStates[netid+" "+st.State] = n
					}
				}
			}
			if diff := cmp.Diff(wantStates, gotStates); diff != "" {
				t.Errorf("states (-ss -tuan +conntab -s)\n%s", diff)
			}
			gotSS := got.SS
			gotSS.TCPLeftOut = render.LeftOutJSON{}
			if diff := cmp.Diff(wantSS, gotSS); diff != "" {
				t.Errorf("(-ss -s +conntab -s)\n%s", diff)
			}
		})
	}
	all := listSummary(t, "-N", ns.Path())
	if got := listSummary(t, "-a", "-N", ns.Path()); got.Sockets != all.Sockets {
		t.Errorf("-s counts %d sockets, -as %d", all.Sockets, got.Sockets)
	}
	if got := listSummary(t, "-u", "-N", ns.Path()); got.Sockets != udp || got.Total.UDP+got.Total.UDP6 != udp {
		t.Errorf("-su counts %d sockets (%d UDP), want the %d UDP sockets ss lists", got.Sockets, got.Total.UDP+got.Total.UDP6, udp)
	}
}
