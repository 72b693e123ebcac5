package tui

import "charm.land/bubbles/v2/key"

// KeyMap holds every key the dashboard answers to. Update matches keys only
// through it; the footer and the help screen are drawn from it.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	NextView, PrevView                      key.Binding
	Views                                   [5]key.Binding
	Sort, SortReverse                       key.Binding
	Filter, ClearFilter                     key.Binding
	Established, TimeWait, CloseWait        key.Binding
	Listen, AllStates                       key.Binding
	Enter, Back                             key.Binding
	Collapse, ExpandAll                     key.Binding
	Pause, Refresh                          key.Binding
	Help, Quit                              key.Binding
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
		Sort:        b([]string{"s"}, "s", "sort by next column"),
		SortReverse: b([]string{"S"}, "S", "reverse sort"),
		Filter:      b([]string{"/"}, "/", "filter"),
		ClearFilter: b([]string{"ctrl+u"}, "ctrl+u", "clear filter"),
		Established: b([]string{"e"}, "e", "show/hide ESTAB"),
		TimeWait:    b([]string{"w"}, "w", "show/hide TIME-WAIT"),
		CloseWait:   b([]string{"c"}, "c", "show/hide CLOSE-WAIT"),
		Listen:      b([]string{"l"}, "l", "show/hide LISTEN"),
		AllStates:   b([]string{"a"}, "a", "show all states"),
		Enter:       b([]string{"enter"}, "enter", "details / fold group"),
		Back:        b([]string{"esc"}, "esc", "back"),
		Collapse:    b([]string{"x", "left", "right"}, "x/←/→", "fold/unfold group"),
		ExpandAll:   b([]string{"X"}, "X", "fold/unfold all"),
		Pause:       b([]string{"space"}, "space", "pause"),
		Refresh:     b([]string{"r"}, "r", "refresh now"),
		Help:        b([]string{"?"}, "?", "help"),
		Quit:        b([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// short is what the footer shows.
func (k KeyMap) short() []key.Binding {
	return []key.Binding{k.Help, k.NextView, k.Filter, k.Sort, k.Enter, k.Pause, k.Quit}
}

// full is what the help screen shows, by column.
func (k KeyMap) full() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Enter, k.Back, k.Collapse, k.ExpandAll},
		{k.NextView, k.PrevView, k.Views[0], k.Views[1], k.Views[2], k.Views[3], k.Views[4], k.Sort, k.SortReverse},
		{k.Filter, k.ClearFilter, k.Established, k.TimeWait, k.CloseWait, k.Listen, k.AllStates, k.Pause, k.Refresh, k.Help, k.Quit},
	}
}
