package collect

import (
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/conntab/conntab/model"
)

// streamed is socket i of a synthetic dump: cookie i+1, port i.
func streamed(i int, state model.State) model.Socket {
	return model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: state, Cookie: uint64(i + 1),
		Local: netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(i))}
}

func TestStreamSink(t *testing.T) {
	var got []model.Socket
	var batches []int
	k := newStreamSink(model.AllStateSet&^model.NewStateSet(model.StateSynSent), 7, func(b []model.Socket) error {
		batches = append(batches, len(b))
		got = append(got, b...)
		return nil
	})
	const n = 3*genSize + 10
	for i := range n {
		s := streamed(i, model.StateEstablished)
		k.add(&s)
		switch i {
		case 100:
			// Socket 90 again, now in TIME_WAIT: still held, replaced.
			again := streamed(90, model.StateTimeWait)
			k.add(&again)
		case streamWindow - 1:
			// Socket 1000 again, just after the window handed it on: the
			// copy is dropped.
			again := streamed(1000, model.StateTimeWait)
			k.add(&again)
		case 2*genSize + 500:
			// A state not asked for (the kernel widens some): not handed on.
			odd := streamed(n+1, model.StateSynSent)
			k.add(&odd)
		}
	}
	if err := k.finish(); err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("%d sockets handed on, want %d", len(got), n)
	}
	for i := range got {
		want := model.StateEstablished
		if i == 90 {
			want = model.StateTimeWait
		}
		if got[i].Cookie != uint64(i+1) || got[i].State != want || got[i].NetNS != 7 {
			t.Fatalf("socket %d: cookie %d, %s, netns %d; want cookie %d, %s, netns 7", i, got[i].Cookie, got[i].State, got[i].NetNS, i+1, want)
		}
	}
	// The window holds at most streamWindow sockets: batches of a
	// generation, less what was filtered out, and the rest at the end.
	if !slices.Equal(batches, []int{genSize, genSize, n - 2*genSize}) {
		t.Errorf("batches %v", batches)
	}
}

func TestStreamSinkStops(t *testing.T) {
	broken := errors.New("write |1: broken pipe")
	calls := 0
	k := newStreamSink(model.AllStateSet, 0, func([]model.Socket) error {
		calls++
		return broken
	})
	for i := range 3 * streamWindow {
		s := streamed(i, model.StateEstablished)
		k.add(&s)
	}
	if !errors.Is(k.stopped(), broken) || !errors.Is(k.finish(), broken) || calls != 1 {
		t.Errorf("stopped %v, finish %v after %d calls; want the writer's error after one", k.stopped(), k.finish(), calls)
	}
}
