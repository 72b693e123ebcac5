package tui

import (
	"context"
	"time"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/filter"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/sample"
)

// common is what the parent Model shares with its sub-models, as
// soft-serve's common.Common is: the look, the keys, the screen's size,
// the sample shown and what selects its sockets. The parent alone changes
// it, between messages; a sub-model reads it in the call it is handed to
// and keeps none of it.
type common struct {
	// root says the dashboard runs as root (Config.Root).
	root          bool
	st            Styles
	keys          KeyMap
	width, height int
	// frame is the number of lines the header and the footer take, which
	// grows with a notice or an error that would not fit on their lines
	// (Model.fit sets it after every message); 0 before the first.
	frame int

	// net is the shown sample's namespace, nil until the first sample
	// arrives. labels name its ports, users and processes: one Labeler
	// per sample, made by install and never changed. now is when the
	// sample was taken: marks age against it, never against the wall
	// clock, so a frame depends on messages only.
	net    *sample.Net
	labels *render.Labeler
	now    time.Time
	// recent is how long new and changed sockets stay marked.
	recent time.Duration

	// filter is the last good filter (nil: all), matcher the same
	// compiled against labels; hidden are the states toggled off.
	filter  *filter.Filter
	matcher *filter.Matcher
	hidden  model.StateSet
	// sel are the sockets the filter and the toggles let through, as Diff
	// indices: the Sockets view's rows, in the order it left them. The
	// aggregate views count and list these, so their ties fall in the
	// Sockets view's order.
	sel []int32
	// whatIf is the what-if in force in the Ports view (W), as typed.
	whatIf string

	kernel kernel
}

// kernel is what the detail pane may ask the kernel beyond the sample:
// one socket's tcp_info and its processes' command lines. It is called
// in commands only, off the UI goroutine.
type kernel struct {
	ctx     context.Context
	tcpInfo func(context.Context, model.Socket) (model.TCPInfo, error)
	process func(pid int32) (model.ProcessDetail, error)
}

// headerLines and footerLines are the fewest lines of the frame around a
// view.
const (
	headerLines = 5
	footerLines = 1
)

// bodyHeight is the number of table lines on screen: what the header, the
// footer and a table's column titles leave.
func (c *common) bodyHeight() int {
	frame := c.frame
	if frame == 0 {
		frame = headerLines + footerLines
	}
	return max(1, c.height-frame-1)
}

// labelsOf is the labeler of the Diff's socket i: the sample's, or for a
// closed socket one that finds the processes that held it.
func (c *common) labelsOf(i int32) *render.Labeler {
	d := c.net.Diff
	if d.Ghost(i) == nil {
		return c.labels
	}
	l := *c.labels
	l.Snapshot = d.SnapshotOf(i)
	return &l
}

// filtered is a snapshot of the selected sockets that are still open.
func (c *common) filtered() *model.Snapshot {
	d := c.net.Diff
	snap := *d.Snap
	snap.Sockets = make([]model.Socket, 0, len(c.sel))
	for _, i := range c.sel {
		if d.Ghost(i) == nil {
			snap.Sockets = append(snap.Sockets, *d.Socket(i))
		}
	}
	return &snap
}

// ports is the sample's ports report, nil before the first sample: the
// what-if's (W) when one is in force.
func (c *common) ports() *analyze.PortsReport {
	switch {
	case c.net == nil:
		return nil
	case c.net.WhatIf != nil:
		return c.net.WhatIf
	}
	return c.net.Ports
}

// recentAt reports whether t (a sample time, zero for never) lies within
// recent of the sample shown.
func (c *common) recentAt(t sample.Stamp) bool {
	return t != 0 && sample.StampOf(c.now)-t < sample.Stamp(c.recent)
}
