package watch

import (
	"bufio"
	"sync/atomic"
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
	if ev, ok := t.Destroy(&m.s, m.info, m.at); ok {
		return w.write([]Event{ev})
	}
	return nil
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

func (w *writer) flush() error { return w.out.Flush() }

// counter counts from one goroutine for another.
type counter struct{ n atomic.Int64 }

func (c *counter) add() int64  { return c.n.Add(1) }
func (c *counter) load() int64 { return c.n.Load() }
