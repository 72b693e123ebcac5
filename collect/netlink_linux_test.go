package collect

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

func TestDumpJobs(t *testing.T) {
	all := model.AllStateSet.KernelMask(model.ProtoTCP)
	udp := model.AllStateSet.KernelMask(model.ProtoUDP)
	large := procSockstat{tcp: 90_000, tw: 40_000, tcp6: 3}
	for _, tt := range []struct {
		name     string
		cfg      Config
		byFamily bool
		counts   procSockstat
		want     []dumpJob
		skip     bool
	}{
		{"TCP of both families in one dump", Config{}, false, large,
			[]dumpJob{{model.ProtoTCP, 0, all}, {model.ProtoUDP, model.FamilyInet, udp}, {model.ProtoUDP, model.FamilyInet6, udp}}, false},
		{"after a refusal, a family at a time", Config{}, true, large,
			[]dumpJob{{model.ProtoTCP, model.FamilyInet, all}, {model.ProtoTCP, model.FamilyInet6, all}, {model.ProtoUDP, model.FamilyInet, udp}, {model.ProtoUDP, model.FamilyInet6, udp}}, false},
		{"one family", Config{Families: []model.Family{model.FamilyInet6}, Protos: []model.Proto{model.ProtoTCP}}, false, large,
			[]dumpJob{{model.ProtoTCP, model.FamilyInet6, all}}, false},
		{"listening only", Config{States: model.ListeningStateSet}, false, large,
			[]dumpJob{{model.ProtoTCP, 0, 1 << model.StateListen}, {model.ProtoUDP, model.FamilyInet, 1 << model.StateClose}, {model.ProtoUDP, model.FamilyInet6, 1 << model.StateClose}}, false},
		{"bound every 10, large, walked before", Config{BoundEvery: 10, Protos: []model.Proto{model.ProtoTCP}}, false, large,
			[]dumpJob{{model.ProtoTCP, 0, all &^ boundBit}}, true},
		{"bound every 10, small", Config{BoundEvery: 10, Protos: []model.Proto{model.ProtoTCP}}, false, procSockstat{tcp: 10},
			[]dumpJob{{model.ProtoTCP, 0, all}}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := New(tt.cfg)
			c.byFamily = tt.byFamily
			c.bound.keep(nil) // a walk just happened
			got, skip := c.dumpJobs(tt.counts)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(dumpJob{})); diff != "" || skip != tt.skip {
				t.Errorf("skip bound %v, want %v; jobs (-want +got)\n%s", skip, tt.skip, diff)
			}
		})
	}
}

// TestBothFamiliesRefused: a kernel that does not know TCPDIAG_GETSOCK is
// asked a family at a time, in that snapshot and the next.
func TestBothFamiliesRefused(t *testing.T) {
	v4 := sampleSockets[1]
	v6 := v4
	v6.Family, v6.Cookie = model.FamilyInet6, v4.Cookie+1
	v6.Local = ap("[2001:db8::1]:443")
	v6.Remote = ap("[2001:db8::2]:50000")
	var asked []netlink.HeaderType
	c := New(Config{Protos: []model.Proto{model.ProtoTCP}})
	c.dial = func() (*netlink.Conn, error) {
		return nltest.Dial(func(req []netlink.Message) ([]netlink.Message, error) {
			asked = append(asked, req[0].Header.Type)
			if req[0].Header.Type == tcpDiagGetSock {
				errno := unix.EOPNOTSUPP
				data := binary.NativeEndian.AppendUint32(nil, uint32(-int32(errno)))
				return []netlink.Message{{Header: netlink.Header{Type: netlink.Error}, Data: append(data, make([]byte, 16)...)}}, nil
			}
			if req[0].Data[0] == byte(model.FamilyInet) {
				return replies(encodeInetDiag(&v4)), nil
			}
			return replies(encodeInetDiag(&v6)), nil
		}), nil
	}
	for range 2 {
		jobs, _ := c.dumpJobs(procSockstat{})
		r := newDumpResult(0)
		if err := c.runDumps(context.Background(), jobs, r); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]model.Socket{v4, v6}, r.sockets, socketCmp); diff != "" {
			t.Errorf("sockets (-want +got)\n%s", diff)
		}
	}
	want := []netlink.HeaderType{tcpDiagGetSock, sockDiagByFamily, sockDiagByFamily, sockDiagByFamily, sockDiagByFamily}
	if diff := cmp.Diff(want, asked); diff != "" {
		t.Errorf("requests (-want +got)\n%s", diff)
	}
}
