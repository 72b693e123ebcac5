package tui

import (
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/conntab/conntab/filter"
)

// filterBar is the filter line in the footer: closed, or open on what is
// being typed, which is checked as it is typed. The filter in force is
// the parent's (common.filter): the line only says what to apply.
type filterBar struct {
	editing bool
	input   lineInput
	// err is why what is typed does not parse, or why the last filter
	// applied did not compile (the last good one is then kept).
	err error
}

func newFilterBar() filterBar {
	return filterBar{input: newLineInput("/", "state time-wait and dport = :5432")}
}

// open opens the line on text, the filter in force.
func (b filterBar) open(text string) (filterBar, tea.Cmd) {
	b.editing = true
	b.input.SetValue(text)
	b.input.CursorEnd()
	return b, nil
}

// applied is a filter the line applies; nil selects everything.
type applied struct{ filter *filter.Filter }

// update answers a key while the line is open: Apply closes it and
// returns the filter typed, when it parses; Cancel closes it, leaving
// the filter as it was; any other key edits the text.
func (b filterBar) update(k *KeyMap, msg tea.KeyPressMsg) (filterBar, tea.Cmd, *applied) {
	switch {
	case key.Matches(msg, k.Cancel):
		return b.close(), nil, nil
	case key.Matches(msg, k.Apply):
		f, err := parseFilter(b.input.Value())
		if err != nil {
			b.err = err
			return b, nil, nil
		}
		return b.close(), nil, &applied{filter: f}
	}
	b = b.edited(msg)
	return b, nil, nil
}

// edited is the line after msg: a key that edits it, or text pasted.
func (b filterBar) edited(msg tea.Msg) filterBar {
	b.input.value = slices.Clone(b.input.value) // b is a copy: leave the old line's text alone
	b.input.update(msg)
	_, b.err = parseFilter(b.input.Value())
	return b
}

func (b filterBar) close() filterBar {
	b.editing, b.err = false, nil
	return b
}

// takes reports whether the open line has an editing key for msg, an
// alt+key (alt+b moves a word back): the parent reads any other alt+key
// as esc then key.
func (b *filterBar) takes(msg tea.KeyPressMsg) bool {
	if !b.editing {
		return false
	}
	return b.input.takesAlt(msg)
}

// resize fits the input to a screen width cells wide.
func (b *filterBar) resize(width int) { b.input.SetWidth(max(10, width-4)) }

// parseFilter parses a filter; blank selects everything (nil).
func parseFilter(s string) (*filter.Filter, error) {
	for _, c := range s {
		if c != ' ' && c != '\t' {
			return filter.Parse(s)
		}
	}
	return nil, nil
}

// setFilter makes f the filter in force. A filter that does not compile
// (a service name no table knows) keeps the last good one, and the line
// says why.
func (m *Model) setFilter(f *filter.Filter) {
	if f == nil {
		m.c.filter, m.c.matcher = nil, nil
		return
	}
	mt, err := f.Compile(&m.c.labels.Labeler)
	if err != nil {
		m.filter.err = err
		return
	}
	m.c.filter, m.c.matcher = f, mt
}

// filterText is the filter in force as text, "" for none.
func (c *common) filterText() string {
	if c.filter == nil {
		return ""
	}
	return c.filter.String()
}
