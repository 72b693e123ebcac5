package collect

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

func TestDumpJobs(t *testing.T) {
	type job struct {
		proto  model.Proto
		family model.Family
		mask   uint32
	}
	all := model.AllStateSet.KernelMask(model.ProtoTCP)
	udp := model.AllStateSet.KernelMask(model.ProtoUDP)
	for _, tt := range []struct {
		name   string
		states model.StateSet
		counts procSockstat
		want   []job
	}{
		{"small tables: one dump each", model.AllStateSet, procSockstat{tcp: 10, tcp6: 2, udp: 3},
			[]job{{model.ProtoTCP, model.FamilyInet, all}, {model.ProtoUDP, model.FamilyInet, udp}, {model.ProtoTCP, model.FamilyInet6, all}, {model.ProtoUDP, model.FamilyInet6, udp}}},
		{"large IPv4 table is split, largest first", model.AllStateSet, procSockstat{tcp: 90_000, tw: 40_000, tcp6: 3},
			[]job{{model.ProtoTCP, model.FamilyInet, estBit}, {model.ProtoTCP, model.FamilyInet, all &^ (estBit | boundBit)}, {model.ProtoTCP, model.FamilyInet, boundBit},
				{model.ProtoTCP, model.FamilyInet6, all}, {model.ProtoUDP, model.FamilyInet, udp}, {model.ProtoUDP, model.FamilyInet6, udp}}},
		{"listening only: nothing to split off", model.ListeningStateSet, procSockstat{tcp: 90_000},
			[]job{{model.ProtoTCP, model.FamilyInet, 1 << model.StateListen}, {model.ProtoTCP, model.FamilyInet6, 1 << model.StateListen},
				{model.ProtoUDP, model.FamilyInet, 1 << model.StateClose}, {model.ProtoUDP, model.FamilyInet6, 1 << model.StateClose}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Config{States: tt.states})
			var got []job
			for _, j := range c.dumpJobs(tt.counts) {
				got = append(got, job{j.proto, j.family, j.mask})
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(job{})); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
