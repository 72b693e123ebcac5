package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/conntab/conntab/model"
)

// DestroyFunc closes sockets as a snapshot listed them (collect's
// Destroy, conntab kill): one error per socket asked about, nil for one
// closed; the error alone stops them all (no CAP_NET_ADMIN, say).
type DestroyFunc func(context.Context, []model.Socket) ([]error, error)

// killAsk is K's question, while the footer asks it: close these sockets?
// y closes them; any other key keeps them.
type killAsk struct {
	socks []model.Socket
	what  string // what they are, in the question
}

// killMsg is what closing them did.
type killMsg struct {
	closed, gone int
	err          error
}

// askKill is K on the Sockets view: the socket under the cursor, or
// every live socket of the group whose header it is on (the filter's and
// the state toggles' choice, lingering ghosts left out). Nothing to ask
// about, or no way to close sockets, is said in the footer.
func (m *Model) askKill() {
	m.killNote = ""
	switch {
	case m.view != viewSockets || m.c.net == nil:
		m.killNote = "K closes sockets from the Sockets view (1)"
		return
	case m.destroy == nil:
		m.killNote = "closing sockets is not available here"
		return
	}
	v, d := &m.sockets, m.c.net.Diff
	g, row, ok := v.rows.at(v.table.cursor, v.folded)
	if !ok {
		return
	}
	grp := v.rows.groups[g]
	lo, hi := grp.lo, grp.hi
	if row >= 0 {
		lo, hi = row, row+1
	}
	var socks []model.Socket
	for _, i := range v.rows.rows[lo:hi] {
		if d.Ghost(i) == nil {
			socks = append(socks, *d.Socket(i))
		}
	}
	switch {
	case len(socks) == 0:
		m.killNote = "nothing to close: those sockets are gone"
		return
	case row >= 0:
		s := &socks[0]
		m.kill = &killAsk{socks: socks, what: fmt.Sprintf("%s %s %s → %s", s.Proto, s.State, s.Local, s.Remote)}
	default:
		m.kill = &killAsk{socks: socks, what: fmt.Sprintf("the %d %s sockets shown", len(socks), grp.state)}
	}
	if m.c.filter != nil {
		m.kill.what += " (filter: " + m.c.filterText() + ")"
	}
}

// answerKill answers a key while the question is asked: y closes the
// sockets off the UI goroutine; any other key keeps them.
func (m *Model) answerKill(msg tea.KeyPressMsg) tea.Cmd {
	ask := m.kill
	m.kill = nil
	if !key.Matches(msg, m.c.keys.Yes) {
		m.killNote = "nothing closed"
		return nil
	}
	destroy, ctx := m.destroy, m.loop.ctx
	return func() tea.Msg {
		errs, err := destroy(ctx, ask.socks)
		var k killMsg
		for _, e := range errs {
			switch {
			case e == nil:
				k.closed++
			case errors.Is(e, model.ErrGone):
				k.gone++
			default:
				err = errors.Join(err, e)
			}
		}
		k.err = err
		return k
	}
}

// killed says what closing did and takes a sample at once, so the
// sockets closed leave the screen.
func (m *Model) killed(k killMsg) tea.Cmd {
	m.killNote = fmt.Sprintf("closed %d", k.closed)
	if k.gone > 0 {
		m.killNote += fmt.Sprintf(", %d already gone", k.gone)
	}
	if k.err != nil {
		m.killNote += ": " + safe(strings.ReplaceAll(k.err.Error(), "\n", "; "))
	}
	if m.loop.inflight || m.loop.paused {
		return nil
	}
	return m.collect()
}
