package cli

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

// -t, -u, -4 and -6 as the collector's protocols and families: both or
// neither is nil, which reads every one.
func TestListProtosFamilies(t *testing.T) {
	tcp, udp := model.ProtoTCP, model.ProtoUDP
	v4, v6 := model.FamilyInet, model.FamilyInet6
	for _, tt := range []struct {
		o        ListOptions
		protos   []model.Proto
		families []model.Family
	}{
		{ListOptions{}, nil, nil},
		{ListOptions{TCP: true}, []model.Proto{tcp}, nil},
		{ListOptions{UDP: true, IPv6: true}, []model.Proto{udp}, []model.Family{v6}},
		{ListOptions{TCP: true, UDP: true, IPv4: true}, []model.Proto{tcp, udp}, []model.Family{v4}},
		{ListOptions{IPv4: true, IPv6: true}, nil, nil},
	} {
		if diff := cmp.Diff(tt.protos, tt.o.Protos()); diff != "" {
			t.Errorf("%+v: Protos (-want +got)\n%s", tt.o, diff)
		}
		if diff := cmp.Diff(tt.families, tt.o.Families()); diff != "" {
			t.Errorf("%+v: Families (-want +got)\n%s", tt.o, diff)
		}
	}
}
