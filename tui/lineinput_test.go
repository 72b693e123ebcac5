package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// press is a key press as Bubble Tea reports one: a named key, or text.
func press(k string) tea.KeyPressMsg {
	named := map[string]tea.Key{
		"left": {Code: tea.KeyLeft}, "right": {Code: tea.KeyRight},
		"home": {Code: tea.KeyHome}, "end": {Code: tea.KeyEnd},
		"backspace": {Code: tea.KeyBackspace}, "delete": {Code: tea.KeyDelete},
		"alt+b": {Code: 'b', Mod: tea.ModAlt}, "alt+f": {Code: 'f', Mod: tea.ModAlt},
		"alt+d": {Code: 'd', Mod: tea.ModAlt}, "ctrl+w": {Code: 'w', Mod: tea.ModCtrl},
		"ctrl+k": {Code: 'k', Mod: tea.ModCtrl}, "ctrl+u": {Code: 'u', Mod: tea.ModCtrl},
		"ctrl+a": {Code: 'a', Mod: tea.ModCtrl}, "ctrl+e": {Code: 'e', Mod: tea.ModCtrl},
	}
	if key, ok := named[k]; ok {
		return tea.KeyPressMsg(key)
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

func TestLineInputEditing(t *testing.T) {
	tests := []struct {
		start string
		keys  []string
		want  string
		pos   int
	}{
		{"", []string{"s", "t", "a", "t", "e"}, "state", 5},
		{"state listening", []string{"alt+b"}, "state listening", 6},
		{"state listening", []string{"alt+b", "alt+b", "alt+f"}, "state listening", 5},
		{"state listening", []string{"ctrl+w"}, "state ", 6},
		{"state  listening ", []string{"ctrl+w", "ctrl+w"}, "", 0},
		{"state listening", []string{"ctrl+a", "alt+d"}, " listening", 0},
		{"state listening", []string{"alt+b", "ctrl+k"}, "state ", 6},
		{"state listening", []string{"alt+b", "ctrl+u"}, "listening", 0},
		{"abc", []string{"left", "backspace"}, "ac", 1},
		{"abc", []string{"home", "delete", "end", "x"}, "bcx", 3},
		{"abc", []string{"backspace", "backspace", "backspace", "backspace", "delete"}, "", 0},
		{"abc", []string{"right", "ctrl+a", "left", "y"}, "yabc", 1},
		{"ab", []string{"ctrl+e", "left", "é"}, "aéb", 2},
	}
	for _, tt := range tests {
		in := newLineInput("/", "")
		in.SetValue(tt.start)
		in.CursorEnd()
		for _, k := range tt.keys {
			in.update(press(k))
		}
		if in.Value() != tt.want || in.Position() != tt.pos {
			t.Errorf("%q after %q: %q with the cursor at %d, want %q at %d", tt.start, tt.keys, in.Value(), in.Position(), tt.want, tt.pos)
		}
	}
}

// TestLineInputPasteIsText checks that pasted text cannot carry a
// terminal command: ESC, BEL and a bidirectional override are dropped,
// and a line break becomes a space.
func TestLineInputPasteIsText(t *testing.T) {
	in := newLineInput("/", "")
	in.update(tea.PasteMsg{Content: "state\x1b[31m estab\x07\u202elished\nand\tdport = :22"})
	want := "state[31m established and dport = :22"
	if got := in.Value(); got != want {
		t.Errorf("pasted: %q, want %q", got, want)
	}
	if got := in.View(lipgloss.NewStyle(), lipgloss.NewStyle()); ansi.Strip(got) != got {
		t.Errorf("the view of pasted text holds an escape sequence: %q", got)
	}
}

// TestLineInputViewScrolls checks that text wider than the line is shown
// around the cursor, never wider than the line, with the cursor in it.
func TestLineInputViewScrolls(t *testing.T) {
	cursor := lipgloss.NewStyle()
	in := newLineInput("/", "")
	in.SetWidth(10)
	in.SetValue("state time-wait and dport = :5432")
	in.CursorEnd()
	if got, want := in.View(cursor, cursor), "/t = :5432 "; got != want {
		t.Errorf("at the end: %q, want %q", got, want)
	}
	in.update(press("home"))
	if got, want := in.View(cursor, cursor), "/state time"; got != want {
		t.Errorf("at the start: %q, want %q", got, want)
	}
	in.SetValue("日本語の名前")
	in.CursorEnd()
	if got := in.View(cursor, cursor); ansi.StringWidth(got) > 11 {
		t.Errorf("wide runes: %q is %d cells, more than the prompt and 10", got, ansi.StringWidth(got))
	}
	empty := newLineInput("/", "state time-wait")
	empty.SetWidth(6)
	if got, want := empty.View(cursor, cursor), "/state "; got != want {
		t.Errorf("placeholder: %q, want %q", got, want)
	}
}
