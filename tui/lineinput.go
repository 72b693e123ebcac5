package tui

import (
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// lineInput is the filter line's editor: one line of text and a cursor,
// edited with readline's keys. It replaces bubbles' textinput, whose
// clipboard package looks for xclip, xsel and two more programs along
// $PATH in its initialiser: 52 stat(2) calls at every start of every
// command (issue 16). Pasting goes through the terminal (bracketed
// paste, tea.PasteMsg), not a clipboard program.
type lineInput struct {
	prompt, placeholder string
	keys                lineKeys
	value               []rune
	pos                 int // the cursor: an index into value
	offset              int // the first rune shown, when value is wider than the line
	width               int // cells for the text, the cursor's included; 0: as wide as it is
}

// lineKeys are the editing keys, as bubbles' textinput binds them.
type lineKeys struct {
	charForward, charBackward, wordForward, wordBackward      key.Binding
	deleteWordBackward, deleteWordForward                     key.Binding
	deleteAfterCursor, deleteBeforeCursor                     key.Binding
	deleteCharBackward, deleteCharForward, lineStart, lineEnd key.Binding
}

func newLineKeys() lineKeys {
	b := func(keys ...string) key.Binding { return key.NewBinding(key.WithKeys(keys...)) }
	return lineKeys{
		charForward:        b("right", "ctrl+f"),
		charBackward:       b("left", "ctrl+b"),
		wordForward:        b("alt+right", "ctrl+right", "alt+f"),
		wordBackward:       b("alt+left", "ctrl+left", "alt+b"),
		deleteWordBackward: b("alt+backspace", "ctrl+w", "ctrl+backspace"),
		deleteWordForward:  b("alt+delete", "alt+d", "ctrl+delete"),
		deleteAfterCursor:  b("ctrl+k"),
		deleteBeforeCursor: b("ctrl+u"),
		deleteCharBackward: b("backspace", "ctrl+h"),
		deleteCharForward:  b("delete", "ctrl+d"),
		lineStart:          b("home", "ctrl+a"),
		lineEnd:            b("end", "ctrl+e"),
	}
}

func newLineInput(prompt, placeholder string) lineInput {
	return lineInput{prompt: prompt, placeholder: placeholder, keys: newLineKeys()}
}

// Value is the text typed.
func (in *lineInput) Value() string { return string(in.value) }

// Position is the cursor's index, in runes.
func (in *lineInput) Position() int { return in.pos }

// SetValue replaces the text; the cursor stays where it was, or ends it.
func (in *lineInput) SetValue(s string) {
	in.value = in.value[:0]
	in.insertAt(0, s)
	in.pos = min(in.pos, len(in.value))
}

// CursorEnd moves the cursor past the last rune.
func (in *lineInput) CursorEnd() { in.pos = len(in.value) }

// SetWidth fits the text to w cells.
func (in *lineInput) SetWidth(w int) { in.width = max(0, w) }

// takesAlt reports whether msg is one of the editing keys bound with alt
// (alt+b moves a word back), which the parent would otherwise read as esc.
func (in *lineInput) takesAlt(msg tea.KeyPressMsg) bool {
	k := &in.keys
	return key.Matches(msg, k.wordForward, k.wordBackward, k.deleteWordBackward, k.deleteWordForward)
}

// update edits the text for a key press or a paste; other messages are
// not the editor's.
func (in *lineInput) update(msg tea.Msg) {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		in.insert(msg.Content)
	case tea.KeyPressMsg:
		if !in.edit(msg) {
			in.insert(msg.Text)
		}
	}
}

// edit answers an editing key; false for any other key, whose text (if
// any) is then typed.
func (in *lineInput) edit(msg tea.KeyPressMsg) bool {
	k, v := &in.keys, in.value
	switch {
	case key.Matches(msg, k.charForward):
		in.pos = min(in.pos+1, len(v))
	case key.Matches(msg, k.charBackward):
		in.pos = max(in.pos-1, 0)
	case key.Matches(msg, k.wordForward):
		in.pos = wordEnd(v, in.pos)
	case key.Matches(msg, k.wordBackward):
		in.pos = wordStart(v, in.pos)
	case key.Matches(msg, k.deleteWordBackward):
		in.cut(wordStart(v, in.pos), in.pos)
	case key.Matches(msg, k.deleteWordForward):
		in.cut(in.pos, wordEnd(v, in.pos))
	case key.Matches(msg, k.deleteAfterCursor):
		in.cut(in.pos, len(v))
	case key.Matches(msg, k.deleteBeforeCursor):
		in.cut(0, in.pos)
	case key.Matches(msg, k.deleteCharBackward):
		in.cut(max(in.pos-1, 0), in.pos)
	case key.Matches(msg, k.deleteCharForward):
		in.cut(in.pos, min(in.pos+1, len(v)))
	case key.Matches(msg, k.lineStart):
		in.pos = 0
	case key.Matches(msg, k.lineEnd):
		in.pos = len(v)
	default:
		return false
	}
	return true
}

// cut deletes the runes from i to j and leaves the cursor at i.
func (in *lineInput) cut(i, j int) {
	in.value = append(in.value[:i], in.value[j:]...)
	in.pos = i
}

// insert types s at the cursor.
func (in *lineInput) insert(s string) { in.pos = in.insertAt(in.pos, s) }

// insertAt puts s's runes in at i and returns the index after them. A
// filter is one line of printable text: a tab or a line break in pasted
// text becomes a space, and any other control or format character (an
// escape sequence's ESC, a bidirectional override) is dropped, so nothing
// typed or pasted can reach the terminal as a command.
func (in *lineInput) insertAt(i int, s string) int {
	var add []rune
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			add = append(add, ' ')
		case unicode.IsGraphic(r):
			add = append(add, r)
		}
	}
	in.value = append(in.value[:i], append(add, in.value[i:]...)...)
	return i + len(add)
}

// wordStart is where the word before i begins (readline's alt+b): back
// over blanks, then over the word.
func wordStart(v []rune, i int) int {
	for i > 0 && unicode.IsSpace(v[i-1]) {
		i--
	}
	for i > 0 && !unicode.IsSpace(v[i-1]) {
		i--
	}
	return i
}

// wordEnd is where the word after i ends (alt+f).
func wordEnd(v []rune, i int) int {
	for i < len(v) && unicode.IsSpace(v[i]) {
		i++
	}
	for i < len(v) && !unicode.IsSpace(v[i]) {
		i++
	}
	return i
}

// View draws the prompt and the text, the cursor shown in reverse video on
// the rune under it (a blank past the end), scrolled sideways to keep the
// cursor in sight when the text is wider than the line. An empty line
// shows the placeholder, faint.
func (in *lineInput) View(cursor, dim lipgloss.Style) string {
	if len(in.value) == 0 {
		ph := []rune(in.placeholder + " ")
		rest := string(ph[1:])
		if in.width > 0 {
			rest = ansi.Truncate(rest, in.width-1, "")
		}
		return in.prompt + cursor.Render(string(ph[:1])) + dim.Render(rest)
	}
	in.scroll()
	var b strings.Builder
	b.WriteString(in.prompt)
	b.WriteString(string(in.value[in.offset:in.pos]))
	under := " "
	if in.pos < len(in.value) {
		under = string(in.value[in.pos])
	}
	b.WriteString(cursor.Render(under))
	if in.pos+1 < len(in.value) {
		after := string(in.value[in.pos+1:])
		if in.width > 0 {
			used := ansi.StringWidth(string(in.value[in.offset:in.pos])) + ansi.StringWidth(under)
			after = ansi.Truncate(after, max(0, in.width-used), "")
		}
		b.WriteString(after)
	}
	return b.String()
}

// scroll moves the first rune shown so that the text from it to the
// cursor, and the cursor's cell, fit the width.
func (in *lineInput) scroll() {
	in.offset = min(in.offset, in.pos)
	if in.width <= 0 {
		in.offset = 0
		return
	}
	for in.offset < in.pos && ansi.StringWidth(string(in.value[in.offset:in.pos]))+1 > in.width {
		in.offset++
	}
}
