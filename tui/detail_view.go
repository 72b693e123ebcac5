package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
)

// view draws the pane.
func (d *detailPane) view(c *common) []string {
	s := &d.sock
	l := c.labels
	st := &c.st
	var out []string
	add := func(label, text string) {
		out = append(out, st.Dim.Render(fmt.Sprintf("%-9s", label))+" "+text)
	}
	head := st.Title.Render(string(render.AppendNetid(nil, s))+" "+s.State.String()) + st.Dim.Render("   (esc closes, r asks again)")
	switch {
	case d.closed:
		head += "  " + st.Closed.Render("- closed")
	case c.recentAt(d.mark.First):
		head += "  " + st.New.Render("+ new")
	}
	if d.mark.Changed != 0 {
		head += "  " + st.Changed.Render("~ was "+d.mark.From.String()+" until "+d.mark.Changed.Time(c.now.Location()).Format("15:04:05"))
	}
	out = append(out, head)
	endpoint := func(ap string, port uint16) string {
		if port == 0 {
			return ap
		}
		lb := l.Port(s.Proto, port)
		text := ap + st.Dim.Render("  "+lb.Class.String())
		if lb.Service != "" {
			text += st.Dim.Render(", ") + safe(lb.Service)
		}
		return text
	}
	add("Local", endpoint(s.Local.String(), s.Local.Port()))
	add("Peer", endpoint(string(model.AppendPeer(nil, s.Remote)), s.Remote.Port()))
	switch {
	case s.State == model.StateListen && c.net != nil && !render.SendQKnown(s, c.net.Snap.Source):
		// /proc has no backlog: Send-Q reads 0 there, which is no figure.
		add("Accept", fmt.Sprintf("queue %d of backlog ? (not in /proc)", s.RecvQ))
	case s.State == model.StateListen:
		add("Accept", fmt.Sprintf("queue %d of backlog %d", s.RecvQ, s.SendQ))
	default:
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
			text = "was " + text + st.Dim.Render("  (held the connection before it closed)")
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
			add("  cmdline", st.Dim.Render(safe(err.Error())))
		}
	}
	out = append(out, "")
	out = append(out, d.tcpInfoLines(c)...)
	return out
}

// tcpInfoLines draws the tcp_info part of the pane.
func (d *detailPane) tcpInfoLines(c *common) []string {
	st := &c.st
	title := st.Title.Render("tcp_info")
	switch {
	case d.sock.Proto != model.ProtoTCP:
		return []string{title + st.Dim.Render("  only TCP sockets have one")}
	case c.kernel.tcpInfo == nil:
		return []string{title + st.Dim.Render("  not available from this source")}
	case d.infoErr != nil:
		return []string{title + "  " + st.Dim.Render(safe(d.infoErr.Error()))}
	case d.info == nil:
		return []string{title + st.Dim.Render("  asking the kernel…")}
	}
	i := d.info
	if i.State == model.StateListen {
		return d.listenerInfoLines(c)
	}
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
			b.WriteString(st.Dim.Render(pairs[j]+" ") + pairs[j+1])
		}
		return b.String()
	}
	cong := i.Congestion
	if cong == "" {
		cong = "?"
	}
	return []string{
		title + st.Dim.Render("  asked at "+d.infoAt.Format("15:04:05")+", state "+i.State.String()),
		kv("rtt", dur(i.RTT)+"/"+dur(i.RTTVar), "min", dur(i.MinRTT), "rto", dur(i.RTO), "ca", i.CAState.String(), "cc", safe(cong)),
		kv("cwnd", strconv.FormatUint(uint64(i.SndCwnd), 10), "ssthresh", ss, "mss", strconv.FormatUint(uint64(i.SndMSS), 10), "pmtu", strconv.FormatUint(uint64(i.PMTU), 10), "snd_wnd", strconv.FormatUint(uint64(i.SndWnd), 10), "rcv_wnd", strconv.FormatUint(uint64(i.RcvWnd), 10)),
		kv("retrans", fmt.Sprintf("%d now, %d unacked, %d total", i.Retransmits, i.Retrans, i.TotalRetrans), "lost", strconv.FormatUint(uint64(i.Lost), 10), "unacked", strconv.FormatUint(uint64(i.Unacked), 10)),
		kv("bytes", "sent "+humanBytes(i.BytesSent)+", acked "+humanBytes(i.BytesAcked)+", received "+humanBytes(i.BytesReceived)+", retrans "+humanBytes(i.BytesRetrans), "notsent", humanBytes(uint64(i.NotSentBytes))),
		kv("segs", fmt.Sprintf("out %d, in %d", i.SegsOut, i.SegsIn), "delivery", rate(i.DeliveryRate), "pacing", rate(i.PacingRate)),
		kv("last", "sent "+dur(i.LastDataSent)+" ago, received "+dur(i.LastDataRecv)+" ago, ack "+dur(i.LastAckRecv)+" ago"),
		kv("options", i.Options.String(), "wscale", fmt.Sprintf("%d,%d", i.SndWScale, i.RcvWScale)),
	}
}

// listenerInfoLines draws the tcp_info of a listening socket: what the
// kernel fills in for one (the accept queue, and what each new
// connection starts with), and one line for the rest, which belongs to a
// connection and which the kernel leaves zero for a listener.
func (d *detailPane) listenerInfoLines(c *common) []string {
	st, i := &c.st, d.info
	dim := st.Dim.Render
	cong := i.Congestion
	if cong == "" {
		cong = "?"
	}
	pacing := "unlimited"
	if i.PacingRate != model.RateUnlimited {
		pacing = humanBytes(i.PacingRate) + "/s"
	}
	queue := dim("accept queue ") + strconv.FormatUint(uint64(i.Unacked), 10) + dim(" waiting")
	if c.net != nil && c.net.Snap.Source == model.SourceNetlink {
		queue += dim(", backlog ") + strconv.FormatUint(uint64(d.sock.SendQ), 10)
	}
	lines := []string{
		st.Title.Render("tcp_info") + dim("  asked at "+d.infoAt.Format("15:04:05")+", state "+i.State.String()),
		queue,
		dim("new connections: cc ") + safe(cong) + dim("  cwnd ") + strconv.FormatUint(uint64(i.SndCwnd), 10) + dim("  pacing ") + pacing,
	}
	for _, l := range wrap("rtt, rto, mss, windows, retransmits, bytes, options and last sent/received are a connection's: n/a for a listener (enter on one of its connections shows them)", c.width, "", "") {
		lines = append(lines, dim(l))
	}
	return lines
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
