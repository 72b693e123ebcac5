package tui

import (
	"unicode"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/conntab/conntab/model"
)

// KeyMap holds every key the dashboard answers to: the parent Model, the
// views, the panes and the filter line match keys only through it, and the
// footer and the help screen are drawn from it.
//
// Who answers a key (doc.go draws it): ForceQuit quits whatever is open.
// While the filter line is open, Apply and Cancel close it and every
// other key is text for it (bubbles' textinput, with its own editing
// keys), q included. Elsewhere Quit quits; the help screen takes the
// moving keys to scroll and Back and Help to close; the sort menu takes
// Up, Down, Enter, SortReverse, and Back and SortMenu to close; an open
// pane (the detail or the findings) takes Back, Enter, Refresh and the
// moving keys; the parent takes the views, the filter, the state toggles,
// Pause and Refresh; and the view shown takes the moving, sorting and
// folding keys and Enter.
//
// An alt+key that no binding names is esc then key, typed quickly: the
// terminal sends both as one sequence, so esc then q quits.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	NextView, PrevView                      key.Binding
	Views                                   [5]key.Binding
	// Sort sorts by the next column on screen, the natural order after
	// the last; SortLeft and SortRight by the column on screen left or
	// right of the sorted one; SortReverse turns the order. SortMenu
	// opens the sort menu: the columns on screen, to pick one.
	Sort, SortLeft, SortRight, SortReverse, SortMenu key.Binding
	Filter, ClearFilter                              key.Binding
	Established, TimeWait, CloseWait                 key.Binding
	Listen, AllStates                                key.Binding
	Enter, Back                                      key.Binding
	Collapse, ExpandAll                              key.Binding
	// Kill asks to close the socket under the cursor, or the group's
	// sockets on a group header; Yes answers it.
	Kill, Yes key.Binding
	// WhatIf opens the Ports view's what-if line.
	WhatIf         key.Binding
	Pause, Refresh key.Binding
	Help, Quit     key.Binding
	// Apply and Cancel close the filter line, applying what is typed when
	// it parses, or leaving the filter as it was.
	Apply, Cancel key.Binding
	// ForceQuit quits from anywhere, the filter line included.
	ForceQuit key.Binding
}

// DefaultKeyMap returns the dashboard's keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, help string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, help))
	}
	return KeyMap{
		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   b([]string{"pgup", "ctrl+b"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+f"}, "pgdn", "page down"),
		Top:      b([]string{"home", "g"}, "g", "top"),
		Bottom:   b([]string{"end", "G"}, "G", "bottom"),
		NextView: b([]string{"tab"}, "tab", "next view"),
		PrevView: b([]string{"shift+tab"}, "shift+tab", "previous view"),
		Views: [5]key.Binding{
			b([]string{"1"}, "1", "sockets"),
			b([]string{"2"}, "2", "remote endpoints"),
			b([]string{"3"}, "3", "listeners"),
			b([]string{"4"}, "4", "processes"),
			b([]string{"5"}, "5", "ports"),
		},
		Sort:        b([]string{"s"}, "s", "next sort column"),
		SortLeft:    b([]string{"<"}, "<", "sort column left"),
		SortRight:   b([]string{">"}, ">", "sort column right"),
		SortReverse: b([]string{"S", "I"}, "S/I", "reverse sort"),
		SortMenu:    b([]string{"o", "f6"}, "o/F6", "sort by…"),
		Filter:      b([]string{"/"}, "/", "filter"),
		ClearFilter: b([]string{"ctrl+u"}, "ctrl+u", "clear filter"),
		Established: b([]string{"e"}, "e", "show/hide ESTAB"),
		TimeWait:    b([]string{"w"}, "w", "show/hide TIME-WAIT"),
		CloseWait:   b([]string{"c"}, "c", "show/hide CLOSE-WAIT"),
		Listen:      b([]string{"l"}, "l", "show/hide LISTEN"),
		AllStates:   b([]string{"a"}, "a", "show all states"),
		Enter:       b([]string{"enter"}, "enter", "details / fold"),
		Back:        b([]string{"esc"}, "esc", "back"),
		Collapse:    b([]string{"x", "left", "right"}, "x/←/→", "fold/unfold group"),
		ExpandAll:   b([]string{"X"}, "X", "fold/unfold all"),
		Kill:        b([]string{"K"}, "K", "close socket(s)…"),
		Yes:         b([]string{"y"}, "y", "yes"),
		WhatIf:      b([]string{"W"}, "W", "ports: what if…"),
		Pause:       b([]string{"space"}, "space", "pause"),
		Refresh:     b([]string{"r"}, "r", "refresh now"),
		Help:        b([]string{"?"}, "?", "help"),
		Quit:        b([]string{"q", "ctrl+c"}, "q", "quit"),
		Apply:       b([]string{"enter"}, "enter", "apply the filter"),
		Cancel:      b([]string{"esc"}, "esc", "leave the filter as it was"),
		ForceQuit:   b([]string{"ctrl+c"}, "ctrl+c", "quit"),
	}
}

// short is what the footer shows, most wanted first: the footer leaves
// out the last first, and keeps Help and Quit always.
func (k *KeyMap) short() []key.Binding {
	return []key.Binding{k.Help, k.Quit, k.NextView, k.Filter, k.Enter, k.SortMenu, k.Pause}
}

// helpSection is a part of the help screen: a heading and its keys.
type helpSection struct {
	title string
	keys  []key.Binding
}

// full is what the help screen shows, by what the keys do.
func (k *KeyMap) full() []helpSection {
	return []helpSection{
		{"Move", []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}},
		{"Rows", []key.Binding{k.Enter, k.Back, k.Collapse, k.ExpandAll, k.Kill}},
		{"Views", []key.Binding{k.NextView, k.PrevView, k.Views[0], k.Views[1], k.Views[2], k.Views[3], k.Views[4]}},
		{"Sort", []key.Binding{k.SortMenu, k.Sort, k.SortLeft, k.SortRight, k.SortReverse}},
		{"Filter", []key.Binding{k.Filter, k.ClearFilter, k.Established, k.TimeWait, k.CloseWait, k.Listen, k.AllStates}},
		{"Other", []key.Binding{k.WhatIf, k.Pause, k.Refresh, k.Help, k.Quit}},
	}
}

// all is every binding, for binds.
func (k *KeyMap) all() []key.Binding {
	out := []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.NextView, k.PrevView,
		k.Sort, k.SortMenu, k.SortLeft, k.SortRight, k.SortReverse, k.Filter, k.ClearFilter, k.Established, k.TimeWait,
		k.CloseWait, k.Listen, k.AllStates, k.Enter, k.Back, k.Collapse, k.ExpandAll, k.Kill, k.WhatIf, k.Pause, k.Refresh,
		k.Help, k.Quit, k.Apply, k.Cancel, k.ForceQuit}
	return append(out, k.Views[:]...)
}

// binds reports whether a binding of the map names msg.
func (k *KeyMap) binds(msg tea.KeyPressMsg) bool {
	for _, b := range k.all() {
		if key.Matches(msg, b) {
			return true
		}
	}
	return false
}

// unAlt is an alt+key press as the key alone: what the terminal sent for
// esc then key typed quickly. Alt with shift on a letter is the capital.
func unAlt(msg tea.KeyPressMsg) tea.KeyPressMsg {
	k := tea.Key{Code: msg.Code, Mod: msg.Mod &^ tea.ModAlt}
	if k.Mod.Contains(tea.ModShift) && unicode.IsLower(k.Code) {
		k.Code, k.Mod = unicode.ToUpper(k.Code), k.Mod&^tea.ModShift
	}
	if k.Mod == 0 && unicode.IsPrint(k.Code) {
		k.Text = string(k.Code)
	}
	return tea.KeyPressMsg(k)
}

// step is how many lines a moving key moves by, page lines for a page
// key; ok is false for a key that does not move.
func (k *KeyMap) step(msg tea.KeyPressMsg, page int) (d int, ok bool) {
	switch {
	case key.Matches(msg, k.Up):
		return -1, true
	case key.Matches(msg, k.Down):
		return 1, true
	case key.Matches(msg, k.PageUp):
		return -page, true
	case key.Matches(msg, k.PageDown):
		return page, true
	case key.Matches(msg, k.Top):
		return -1 << 30, true
	case key.Matches(msg, k.Bottom):
		return 1 << 30, true
	}
	return 0, false
}

// toggled is the state a state toggle shows or hides; ok is false for
// any other key.
func (k *KeyMap) toggled(msg tea.KeyPressMsg) (s model.State, ok bool) {
	switch {
	case key.Matches(msg, k.Established):
		return model.StateEstablished, true
	case key.Matches(msg, k.TimeWait):
		return model.StateTimeWait, true
	case key.Matches(msg, k.CloseWait):
		return model.StateCloseWait, true
	case key.Matches(msg, k.Listen):
		return model.StateListen, true
	}
	return 0, false
}

// viewOf is the view a view key goes to, counting from the current one
// for NextView and PrevView; ok is false for any other key.
func (k *KeyMap) viewOf(msg tea.KeyPressMsg, cur view) (v view, ok bool) {
	switch {
	case key.Matches(msg, k.NextView):
		return (cur + 1) % viewCount, true
	case key.Matches(msg, k.PrevView):
		return (cur + viewCount - 1) % viewCount, true
	}
	for i, b := range k.Views {
		if key.Matches(msg, b) {
			return view(i), true
		}
	}
	return 0, false
}
