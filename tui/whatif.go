package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/conntab/conntab/analyze"
)

// whatIfBar is the Ports view's what-if line (W), as conntab ports
// --what-if: SETTING=VALUE pairs, blank-separated, that the next samples'
// pools are judged under (sample.Config.WhatIf). Nothing changes on the
// host. An empty line goes back to the pools as read.
type whatIfBar struct {
	editing bool
	input   lineInput
	err     error
	// text is the what-if in force, "" for none.
	text string
}

func newWhatIfBar() whatIfBar {
	return whatIfBar{input: newLineInput("what if: ", "range=1024-65535 tw_reuse=1 sources=2")}
}

// parseWhatIf reads the line's SETTING=VALUE pairs; nil for none.
func parseWhatIf(text string) (*analyze.WhatIf, error) {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return nil, nil
	}
	w := new(analyze.WhatIf)
	for _, f := range fields {
		if err := analyze.ParseWhatIf(w, f); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// openWhatIf opens the line on the what-if in force.
func (m *Model) openWhatIf() {
	b := &m.whatIf
	b.editing, b.err = true, nil
	b.input.SetValue(b.text)
	b.input.CursorEnd()
}

// whatIfKey answers a key while the line is open: Apply puts what is
// typed in force, when it parses, and takes a sample under it; Cancel
// closes the line; any other key edits it.
func (m *Model) whatIfKey(msg tea.KeyPressMsg) tea.Cmd {
	b, k := &m.whatIf, &m.c.keys
	switch {
	case key.Matches(msg, k.Cancel):
		b.editing, b.err = false, nil
		return nil
	case key.Matches(msg, k.Apply):
		w, err := parseWhatIf(b.input.Value())
		if err != nil {
			b.err = err
			return nil
		}
		b.editing, b.err, b.text = false, nil, strings.Join(strings.Fields(b.input.Value()), " ")
		m.loop.cfg.WhatIf, m.c.whatIf = w, b.text
		if m.loop.inflight {
			return nil // the next sample is taken under it
		}
		return m.collect()
	}
	b.input.value = append([]rune(nil), b.input.value...)
	b.input.update(msg)
	_, b.err = parseWhatIf(b.input.Value())
	return nil
}
