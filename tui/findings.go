package tui

import (
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// advisor is a view whose rows have findings with advice, the Ports and
// Listeners views: findingLines draws the selected row's, wrapped to
// width, and with full what each advice fixes and what it does not.
type advisor interface {
	findingLines(c *common, width int, full bool) []string
}

// findingsPane is the findings of the view under it on the whole screen,
// opened with enter, scrolled: the Ports view's selected pool's and the
// host's, or the Listeners view's selected listener's. A pane is never
// changed, only replaced: an earlier Model may share it.
type findingsPane struct {
	offset int
}

// update answers a key while the pane is open over a: the moving keys
// scroll it, Back and Enter close it (nil).
func (p *findingsPane) update(c *common, msg tea.KeyPressMsg, a advisor) *findingsPane {
	if key.Matches(msg, c.keys.Back) || key.Matches(msg, c.keys.Enter) {
		return nil
	}
	if d, ok := c.keys.step(msg, c.bodyHeight()); ok {
		return p.scroll(c, a, d)
	}
	return p
}

// scroll is the pane scrolled by d lines, no further than its last
// screen.
func (p *findingsPane) scroll(c *common, a advisor, d int) *findingsPane {
	last := max(0, len(a.findingLines(c, c.width, true))-(c.bodyHeight()+1))
	return &findingsPane{offset: max(0, min(last, p.offset+d))}
}

// view draws the pane from its scroll position.
func (p *findingsPane) view(c *common, a advisor) []string {
	lines := a.findingLines(c, c.width, true)
	lines[0] = ansi.Truncate(lines[0]+c.st.Dim.Render("  (esc closes, ↑/↓ scroll)"), c.width, "…")
	body := c.bodyHeight() + 1
	lines = lines[max(0, min(p.offset, len(lines)-body)):]
	if len(lines) > body {
		more := len(lines) - body + 1
		lines = append(lines[:body-1:body-1], c.st.Dim.Render("↓ "+strconv.Itoa(more)+" more lines"))
	}
	return lines
}
