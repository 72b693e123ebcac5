package collect

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/model"
)

func TestDropCrossDuplicates(t *testing.T) {
	est := func(cookie uint64) model.Socket {
		return model.Socket{Cookie: cookie, State: model.StateEstablished, Inode: cookie}
	}
	in := func(s model.Socket, st model.State) model.Socket { s.State = st; return s }
	for _, tt := range []struct {
		name     string
		in, want []model.Socket
	}{
		{"none", []model.Socket{est(1), est(2), est(3)}, []model.Socket{est(1), est(2), est(3)}},
		// Seen ESTABLISHED by one job and TIME_WAIT by another: the later state wins,
		// whichever job came first.
		{"closed during the dump", []model.Socket{est(1), est(2), in(est(1), model.StateTimeWait)}, []model.Socket{est(2), in(est(1), model.StateTimeWait)}},
		{"later state first", []model.Socket{in(est(1), model.StateFinWait1), est(2), est(1)}, []model.Socket{in(est(1), model.StateFinWait1), est(2)}},
		{"connected during the dump", []model.Socket{in(est(7), model.StateSynSent), est(7)}, []model.Socket{est(7)}},
		{"three copies", []model.Socket{est(5), in(est(5), model.StateFinWait2), in(est(5), model.StateTimeWait)}, []model.Socket{in(est(5), model.StateTimeWait)}},
		{"no cookie is never merged", []model.Socket{est(0), est(0)}, []model.Socket{est(0), est(0)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, dropCrossDuplicates(tt.in), socketCmp); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// Many sockets and a few duplicates: the bit set's false alarms must not
// drop anything.
func TestDropCrossDuplicatesLarge(t *testing.T) {
	var in []model.Socket
	for i := range uint64(200_000) {
		in = append(in, model.Socket{Cookie: i + 1, State: model.StateEstablished})
	}
	in = append(in, model.Socket{Cookie: 77, State: model.StateTimeWait})
	got := dropCrossDuplicates(in)
	if len(got) != 200_000 {
		t.Fatalf("%d sockets, want 200000", len(got))
	}
	if got[len(got)-1].Cookie != 77 || got[len(got)-1].State != model.StateTimeWait {
		t.Errorf("last = %+v, want the TIME_WAIT copy of 77", got[len(got)-1])
	}
}
