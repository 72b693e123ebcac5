package tui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/sample"
)

// detailPane is the detail pane, opened with enter on a socket: the
// socket as it was when selected, with what was asked about it since (its
// tcp_info, its processes' command lines). A pane is never changed, only
// replaced: an earlier Model may share it.
type detailPane struct {
	sock   model.Socket
	mark   sample.Mark
	closed bool
	owners []model.Owner
	user   string

	info    *model.TCPInfo
	infoErr error
	infoAt  time.Time
	procs   map[int32]model.ProcessDetail
	procErr map[int32]error
}

// detailMsg carries what the kernel said about the detail pane's socket.
type detailMsg struct {
	sock    model.Socket
	info    *model.TCPInfo
	infoErr error
	at      time.Time
	procs   map[int32]model.ProcessDetail
	procErr map[int32]error
}

// newDetailPane is the pane of the Diff's socket i.
func newDetailPane(c *common, i int32) *detailPane {
	t := c.net.Diff
	s := *t.Socket(i)
	l := c.labelsOf(i)
	d := &detailPane{sock: s, mark: t.Mark(i), closed: t.Ghost(i) != nil, owners: l.OwnersOf(&s)}
	if l.UserName != nil {
		d.user, _ = l.UserName(s.UID)
	}
	return d
}

// update answers a key while the pane is open: Back and Enter close it
// (nil), Refresh asks the kernel again.
func (d *detailPane) update(c *common, msg tea.KeyPressMsg) (*detailPane, tea.Cmd) {
	switch {
	case key.Matches(msg, c.keys.Back), key.Matches(msg, c.keys.Enter):
		return nil, nil
	case key.Matches(msg, c.keys.Refresh):
		return d, d.ask(c)
	}
	return d, nil
}

// ask is the command that asks the kernel for the socket's tcp_info and
// reads its processes' command lines, off the UI goroutine. Only this one
// socket is asked about.
func (d *detailPane) ask(c *common) tea.Cmd {
	ctx, info, proc := c.kernel.ctx, c.kernel.tcpInfo, c.kernel.process
	s, owners, now := d.sock, d.owners, c.now
	return func() tea.Msg {
		msg := detailMsg{sock: s, at: now}
		if info != nil && s.Proto == model.ProtoTCP {
			ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			ti, err := info(ctx, s)
			cancel()
			if err != nil {
				msg.infoErr = err
			} else {
				msg.info = &ti
			}
		}
		if proc != nil {
			for _, o := range owners {
				d, err := proc(o.PID)
				if err != nil {
					if msg.procErr == nil {
						msg.procErr = map[int32]error{}
					}
					msg.procErr[o.PID] = err
					continue
				}
				if msg.procs == nil {
					msg.procs = map[int32]model.ProcessDetail{}
				}
				msg.procs[o.PID] = d
			}
		}
		return msg
	}
}

// answered is the pane with what the kernel said, if msg is about its
// socket; a pane that moved on to another socket stays as it is.
func (d *detailPane) answered(msg detailMsg) *detailPane {
	if d.sock.Cookie != msg.sock.Cookie || d.sock.Local != msg.sock.Local || d.sock.Remote != msg.sock.Remote {
		return d
	}
	n := *d
	n.info, n.infoErr, n.infoAt = msg.info, msg.infoErr, msg.at
	if msg.procs != nil || msg.procErr != nil {
		n.procs, n.procErr = msg.procs, msg.procErr
	}
	return &n
}
