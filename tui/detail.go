package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/sample"
)

// detailState is the detail pane: one socket, as it was when selected,
// with what was asked about it since.
type detailState struct {
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

func (m *Model) newDetail(i int32) *detailState {
	s := *m.track.Socket(i)
	l := *m.labels
	l.Snapshot = m.track.SnapshotOf(i)
	d := &detailState{sock: s, mark: m.track.Mark(i), closed: m.track.Ghost(i) != nil, owners: l.OwnersOf(&s)}
	if l.UserName != nil {
		d.user, _ = l.UserName(s.UID)
	}
	return d
}

// detailCmd asks the kernel for the detail pane socket's tcp_info and
// reads its processes' command lines, off the UI goroutine. Only this one
// socket is asked about.
func (m *Model) detailCmd() tea.Cmd {
	if m.detail == nil {
		return nil
	}
	ctx, info, proc := m.ctx, m.cfg.TCPInfo, m.cfg.Process
	s, owners, now := m.detail.sock, m.detail.owners, m.now
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

func (m *Model) updateDetail(msg detailMsg) {
	d := m.detail
	if d == nil || d.sock.Cookie != msg.sock.Cookie || d.sock.Local != msg.sock.Local || d.sock.Remote != msg.sock.Remote {
		return // the pane moved on
	}
	d.info, d.infoErr, d.infoAt = msg.info, msg.infoErr, msg.at
	if msg.procs != nil || msg.procErr != nil {
		d.procs, d.procErr = msg.procs, msg.procErr
	}
}

// detailLines draws the detail pane.
func (m *Model) detailLines() []string {
	d := m.detail
	s := &d.sock
	l := *m.labels
	var out []string
	add := func(label, text string) {
		out = append(out, m.st.Dim.Render(fmt.Sprintf("%-9s", label))+" "+text)
	}
	head := m.st.Title.Render(string(render.AppendNetid(nil, s))+" "+s.State.String()) + m.st.Dim.Render("   (esc closes, r asks again)")
	switch {
	case d.closed:
		head += "  " + m.st.Closed.Render("- closed")
	case recentAt(d.mark.First, m.now, m.cfg.Recent):
		head += "  " + m.st.New.Render("+ new")
	}
	if d.mark.Changed != 0 {
		head += "  " + m.st.Changed.Render("~ was "+d.mark.From.String()+" until "+d.mark.Changed.Time(m.now.Location()).Format("15:04:05"))
	}
	out = append(out, head)
	endpoint := func(ap string, port uint16) string {
		if port == 0 {
			return ap
		}
		lb := l.Port(s.Proto, port)
		text := ap + m.st.Dim.Render("  "+lb.Class.String())
		if lb.Service != "" {
			text += m.st.Dim.Render(", ") + safe(lb.Service)
		}
		return text
	}
	add("Local", endpoint(s.Local.String(), s.Local.Port()))
	add("Peer", endpoint(string(model.AppendPeer(nil, s.Remote)), s.Remote.Port()))
	if s.State == model.StateListen {
		add("Accept", fmt.Sprintf("queue %d of backlog %d", s.RecvQ, s.SendQ))
	} else {
		add("Queues", fmt.Sprintf("Recv-Q %d  Send-Q %d", s.RecvQ, s.SendQ))
	}
	add("Timer", string(model.AppendTimer(nil, s.Timer)))
	user := strconv.FormatUint(uint64(s.UID), 10)
	if d.user != "" {
		user += " (" + safe(d.user) + ")"
	}
	add("User", user)
	add("Kernel", fmt.Sprintf("cookie %d  inode %d  netns %d", s.Cookie, s.Inode, s.NetNS))
	if len(d.owners) == 0 {
		add("Process", "-")
	}
	for _, o := range d.owners {
		text := safe(o.Comm) + "/" + strconv.Itoa(int(o.PID)) + fmt.Sprintf("  fd %d", o.FD)
		if o.Former {
			text = "was " + text + m.st.Dim.Render("  (held the connection before it closed)")
		}
		add("Process", text)
		if pd, ok := d.procs[o.PID]; ok {
			add("  cmdline", safe(strings.Join(pd.Cmdline, " ")))
			if pd.Cgroup != "" {
				add("  cgroup", safe(pd.Cgroup))
			}
			if pd.Container != "" {
				add("  container", safe(pd.Container))
			}
		} else if err := d.procErr[o.PID]; err != nil {
			add("  cmdline", m.st.Dim.Render(safe(err.Error())))
		}
	}
	out = append(out, "")
	out = append(out, m.tcpInfoLines()...)
	return out
}

// tcpInfoLines draws the tcp_info part of the detail pane.
func (m *Model) tcpInfoLines() []string {
	d := m.detail
	title := m.st.Title.Render("tcp_info")
	switch {
	case d.sock.Proto != model.ProtoTCP:
		return []string{title + m.st.Dim.Render("  only TCP sockets have one")}
	case m.cfg.TCPInfo == nil:
		return []string{title + m.st.Dim.Render("  not available from this source")}
	case d.infoErr != nil:
		return []string{title + "  " + m.st.Dim.Render(safe(d.infoErr.Error()))}
	case d.info == nil:
		return []string{title + m.st.Dim.Render("  asking the kernel…")}
	}
	i := d.info
	dur := func(x time.Duration) string {
		if x < time.Second {
			// Round trips on a LAN are tenths of a millisecond.
			ms := strconv.FormatFloat(float64(x)/float64(time.Millisecond), 'f', 3, 64)
			return strings.TrimSuffix(strings.TrimRight(ms, "0"), ".") + "ms"
		}
		return string(model.AppendDuration(nil, x))
	}
	ss := strconv.FormatUint(uint64(i.SndSsthresh), 10)
	if i.SndSsthresh >= model.SsthreshInfinite {
		ss = "∞"
	}
	rate := func(r uint64) string {
		if r == model.RateUnlimited {
			return "unlimited"
		}
		return humanBytes(r) + "/s"
	}
	kv := func(pairs ...string) string {
		var b strings.Builder
		for j := 0; j+1 < len(pairs); j += 2 {
			if j > 0 {
				b.WriteString("  ")
			}
			b.WriteString(m.st.Dim.Render(pairs[j]+" ") + pairs[j+1])
		}
		return b.String()
	}
	cong := i.Congestion
	if cong == "" {
		cong = "?"
	}
	return []string{
		title + m.st.Dim.Render("  asked at "+d.infoAt.Format("15:04:05")+", state "+i.State.String()),
		kv("rtt", dur(i.RTT)+"/"+dur(i.RTTVar), "min", dur(i.MinRTT), "rto", dur(i.RTO), "ca", i.CAState.String(), "cc", safe(cong)),
		kv("cwnd", strconv.FormatUint(uint64(i.SndCwnd), 10), "ssthresh", ss, "mss", strconv.FormatUint(uint64(i.SndMSS), 10), "pmtu", strconv.FormatUint(uint64(i.PMTU), 10), "snd_wnd", strconv.FormatUint(uint64(i.SndWnd), 10), "rcv_wnd", strconv.FormatUint(uint64(i.RcvWnd), 10)),
		kv("retrans", fmt.Sprintf("%d now, %d unacked, %d total", i.Retransmits, i.Retrans, i.TotalRetrans), "lost", strconv.FormatUint(uint64(i.Lost), 10), "unacked", strconv.FormatUint(uint64(i.Unacked), 10)),
		kv("bytes", "sent "+humanBytes(i.BytesSent)+", acked "+humanBytes(i.BytesAcked)+", received "+humanBytes(i.BytesReceived)+", retrans "+humanBytes(i.BytesRetrans), "notsent", humanBytes(uint64(i.NotSentBytes))),
		kv("segs", fmt.Sprintf("out %d, in %d", i.SegsOut, i.SegsIn), "delivery", rate(i.DeliveryRate), "pacing", rate(i.PacingRate)),
		kv("last", "sent "+dur(i.LastDataSent)+" ago, received "+dur(i.LastDataRecv)+" ago, ack "+dur(i.LastAckRecv)+" ago"),
		kv("options", i.Options.String(), "wscale", fmt.Sprintf("%d,%d", i.SndWScale, i.RcvWScale)),
	}
}

// humanBytes writes a byte count exactly below 10 KiB, else in KiB, MiB, GiB.
func humanBytes(n uint64) string {
	const unit = 1024
	if n < 10*unit {
		return strconv.FormatUint(n, 10) + "B"
	}
	f := float64(n)
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB"} {
		f /= unit
		if f < unit {
			return strconv.FormatFloat(f, 'f', 1, 64) + u
		}
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + "PiB"
}
