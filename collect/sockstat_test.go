package collect

import (
	"os"
	"testing"

	"github.com/conntab/conntab/model"
)

func TestParseProcSockstat(t *testing.T) {
	var got procSockstat
	for _, name := range []string{"sockstat", "sockstat6"} {
		b, err := os.ReadFile(procCapturedPath(name))
		if err != nil {
			t.Fatal(err)
		}
		parseProcSockstat(&got, b)
	}
	want := procSockstat{tcp: 16, tw: 2, tcp6: 5, udp: 2, udp6: 4}
	if got != want {
		t.Errorf("parseProcSockstat = %+v, want %+v", got, want)
	}
}

// The estimate follows the states asked for: a listing of listeners on a
// host with 130k connections must not allocate for the connections.
func TestEstimateFollowsStates(t *testing.T) {
	counts := procSockstat{tcp: 90_005, tw: 40_000, tcp6: 10, udp: 2000, udp6: 0}
	tcp4 := []model.Proto{model.ProtoTCP}
	in4 := []model.Family{model.FamilyInet}
	both := []model.Family{model.FamilyInet, model.FamilyInet6}
	with := func(n int) int { return n + n/8 + 64 }
	for _, tt := range []struct {
		name     string
		protos   []model.Proto
		families []model.Family
		states   model.StateSet
		want     int
	}{
		{"everything", []model.Proto{model.ProtoTCP, model.ProtoUDP}, both, model.AllStateSet, with(90_005 + 40_000 + 10 + 2000)},
		{"listeners", tcp4, both, model.NewStateSet(model.StateListen), 0},
		{"TIME_WAIT only", tcp4, both, model.NewStateSet(model.StateTimeWait), with(40_000)},
		{"established, IPv4", tcp4, in4, model.NewStateSet(model.StateEstablished), with(90_005)},
		{"established and TIME_WAIT", tcp4, in4, model.NewStateSet(model.StateEstablished, model.StateTimeWait), with(90_005 + 40_000)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := counts.estimate(tt.protos, tt.families, tt.states); got != tt.want {
				t.Errorf("estimate = %d, want %d", got, tt.want)
			}
		})
	}
}
