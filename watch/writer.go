package watch

import (
	"bufio"
	"sync/atomic"

	"github.com/conntab/conntab/collect/bpfevents"
)

// writer writes events through the filter, a line each.
type writer struct {
	cfg           *Config
	out           *bufio.Writer
	line, scratch []byte
}

// write writes the events evs that the filter selects.
func (w *writer) write(evs []Event) error {
	for i := range evs {
		ev := &evs[i]
		if w.cfg.Match != nil && !w.cfg.Match(&ev.Socket) {
			continue
		}
		if w.cfg.JSON {
			w.line, w.scratch = AppendJSON(w.line[:0], w.scratch, ev, w.cfg.Labeler)
		} else {
			w.line = AppendText(w.line[:0], ev)
		}
		w.line = append(w.line, '\n')
		if _, err := w.out.Write(w.line); err != nil {
			return err
		}
	}
	return nil
}

// destroy writes the close of one destroy message, if it makes one.
func (w *writer) destroy(t *Tracker, m destroyed) error {
	return w.write(t.DestroyAll(&m.s, m.info, m.at))
}

// drain writes the closes of the destroy messages waiting in msgs, then
// flushes.
func (w *writer) drain(t *Tracker, msgs <-chan destroyed) error {
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				return w.flush()
			}
			if err := w.destroy(t, m); err != nil {
				return err
			}
		default:
			return w.flush()
		}
	}
}

// traced writes the event of one eBPF record, if it makes one, and
// flushes: failures are written as they come.
func (w *writer) traced(t *Tracker, r bpfevents.Event, container func(int32) string) error {
	r.Time = traceTime(&r, w.cfg.Now())
	ev, ok := t.Record(&r, container)
	if !ok {
		return nil
	}
	if err := w.write([]Event{ev}); err != nil {
		return err
	}
	return w.flush()
}

// drainTraced writes the events of the records waiting in recs.
func (w *writer) drainTraced(t *Tracker, recs <-chan bpfevents.Event, container func(int32) string) error {
	for {
		select {
		case r, ok := <-recs:
			if !ok {
				return nil
			}
			if err := w.traced(t, r, container); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

// finish writes what already arrived, the records first (they were
// written before the sockets were freed), and flushes: an interrupt does
// not drop what conntab saw.
func (w *writer) finish(t *Tracker, msgs <-chan destroyed, recs <-chan bpfevents.Event, container func(int32) string) error {
	if err := w.drainTraced(t, recs, container); err != nil {
		return err
	}
	return w.drain(t, msgs)
}

func (w *writer) flush() error { return w.out.Flush() }

// counter counts from one goroutine for another.
type counter struct{ n atomic.Int64 }

func (c *counter) add() int64  { return c.n.Add(1) }
func (c *counter) load() int64 { return c.n.Load() }
