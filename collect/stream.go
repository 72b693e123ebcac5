package collect

import (
	"github.com/conntab/conntab/model"
)

// streamWindow is how many sockets a streamed dump holds before it hands
// the older half on: twice a generation of recentCookies, so that a
// socket the kernel sends again is still held, and replaced, when its
// copy comes (see dumpResult).
const streamWindow = 2 * genSize

// streamSink hands a dump's sockets on in the kernel's order, a batch at a
// time, holding a window of them: the newest copy of a socket sent twice
// replaces the older while it is held. A copy of one already handed on
// is dropped: the older copy stands, a moment older.
type streamSink struct {
	window []model.Socket
	// base is the index, in the whole dump, of window[0].
	base   int
	recent recentCookies
	// states are the states asked for: the kernel widens some.
	states model.StateSet
	netns  uint32
	emit   func([]model.Socket) error
	err    error
	errs   dumpResult
}

func newStreamSink(states model.StateSet, netns uint32, emit func([]model.Socket) error) *streamSink {
	return &streamSink{window: make([]model.Socket, 0, streamWindow), states: states, netns: netns, emit: emit}
}

func (k *streamSink) add(s *model.Socket) {
	if k.err != nil {
		return
	}
	if s.Cookie != 0 {
		if i, dup := k.recent.find(s.Cookie); dup {
			if int(i) >= k.base {
				k.window[int(i)-k.base] = *s
			}
			return
		}
		k.recent.add(s.Cookie, int32(k.base+len(k.window)))
	}
	k.window = append(k.window, *s)
	if len(k.window) == streamWindow {
		k.hand(genSize)
	}
}

// hand emits the oldest n sockets held, those of the states asked for,
// and keeps the rest.
func (k *streamSink) hand(n int) {
	out := k.window[:0]
	for i := range k.window[:n] {
		if s := &k.window[i]; k.states.Has(s.State) {
			s.NetNS = k.netns
			out = append(out, *s)
		}
	}
	if len(out) > 0 {
		k.err = k.emit(out)
	}
	rest := copy(k.window, k.window[n:])
	k.window = k.window[:rest]
	k.base += n
}

// finish emits what is held.
func (k *streamSink) finish() error {
	if k.err == nil && len(k.window) > 0 {
		k.hand(len(k.window))
	}
	return k.err
}

func (k *streamSink) fail(err error) { k.errs.fail(err) }
func (k *streamSink) stopped() error { return k.err }
