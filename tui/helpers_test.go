package tui

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/conntab/conntab/model"
)

// newTestModel returns a dashboard of size w x h that has taken the first
// of snaps.
func newTestModel(t testing.TB, w, h int, cfg Config) Model {
	t.Helper()
	m := New(context.Background(), cfg)
	m = update(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	return takeSample(t, m)
}

// takeSample runs the model's collection command and hands it the result, as
// the program would, without its timers.
func takeSample(t testing.TB, m Model) Model {
	t.Helper()
	msg := m.collect()()
	return update(t, m, msg)
}

func update(t testing.TB, m Model, msgs ...tea.Msg) Model {
	t.Helper()
	for _, msg := range msgs {
		next, _ := m.Update(msg)
		m = next.(Model)
	}
	return m
}

// keys sends key presses: each string is one key as tea spells it
// ("down", "enter", "s") or, for "type:TEXT", the text typed.
func keys(t testing.TB, m Model, ks ...string) Model {
	t.Helper()
	for _, k := range ks {
		if text, ok := strings.CutPrefix(k, "type:"); ok {
			for _, r := range text {
				m = update(t, m, tea.KeyPressMsg{Code: r, Text: string(r)})
			}
			continue
		}
		m = update(t, m, keyMsg(k))
	}
	return m
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// squeeze is s with every run of blanks one blank, to read a table's
// rows whatever its columns' widths.
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }

// screen is the model's frame as plain text.
func screen(m Model) string { return ansi.Strip(m.View().Content) }

var _ = model.StateListen
