package tui

import (
	"strconv"

	"github.com/charmbracelet/x/ansi"

	"github.com/conntab/conntab/analyze"
)

// selected is the pool under the cursor, or nil.
func (v *portsView) selected(c *common) *analyze.PoolReport {
	row, r := v.selectedRow(), c.ports()
	if row == nil || r == nil {
		return nil
	}
	if i := row.ref; i < len(r.Pools) {
		return &r.Pools[i]
	}
	return nil
}

// findingLines draws the selected pool's findings, then the host's, each
// with its advice, wrapped to width: what to do, and with full what each
// advice fixes and what it does not.
func (v *portsView) findingLines(c *common, width int, full bool) []string {
	r := c.ports()
	if r == nil {
		return nil
	}
	dim := c.st.Dim.Render
	p := v.selected(c)
	var subject string
	title := c.st.Title.Render("Findings")
	if p != nil {
		subject = p.Subject()
		title += dim(" for ") + subject + dim(", then the host's")
	} else {
		title += dim(" for the host")
	}
	out := []string{ansi.Truncate(title, width, "…")}
	others := 0
	var host []*analyze.Finding
	shown := false
	for i := range r.Findings {
		f := &r.Findings[i]
		switch {
		case f.Kind != analyze.FindPool:
			host = append(host, f)
		case p != nil && f.Subject == subject:
			out = appendFinding(&c.st, out, f, width, full)
			shown = true
		default:
			others++
		}
	}
	if p != nil && !shown {
		out = append(out, wrap(dim("This pool: nothing found; "+strconv.Itoa(p.Free())+" of its "+strconv.Itoa(p.Usable)+" usable ports are free."), width, "", "  ")...)
	}
	for _, f := range host {
		out = append(out, "")
		out = appendFinding(&c.st, out, f, width, full)
	}
	if len(host) == 0 {
		out = append(out, "", dim("The host: nothing found."))
	}
	return appendOthers(out, dim, others, "pool has a finding", "pools have findings")
}
