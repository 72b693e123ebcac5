package tui

import (
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// headerOf is the table's header row on m's screen: the first line that
// holds the first column's title after the mark column.
func headerOf(m Model, first string) string {
	for _, l := range strings.Split(screen(m), "\n") {
		if (strings.HasPrefix(l, "  ") || strings.HasPrefix(l, " ▲") || strings.HasPrefix(l, " ▼")) && strings.Contains(l, first) {
			return l
		}
	}
	return ""
}

// TestSortStaysOnScreen: in every view and at every width, the sorting
// keys only reach columns on screen, so each press shows its arrow, and
// the arrow never cuts a title: > walks right to the last column shown
// (the Sockets view lays its columns out for the rows on screen, so they
// may change as the sort brings other rows up), < back to the natural
// order, s cycles, S and I reverse.
func TestSortStaysOnScreen(t *testing.T) {
	for _, w := range []int{80, 120, 200} {
		for _, v := range []string{"1", "2", "3", "4", "5"} {
			m := newTestModel(t, w, 40, testConfig(portsFixture(t0, false), portsFixture(t0.Add(5e9), true)))
			m = takeSample(t, keys(t, m, v))
			// press presses k and checks that the page is sorted by the
			// column on screen d right of where it was, or the last.
			press := func(k string, d int) {
				t.Helper()
				cols, keep := m.page().shown(&m.c)
				pos := max(0, min(len(keep)-1, slices.Index(keep, m.page().state().sort.col)+d))
				m = keys(t, m, k)
				checkArrow(t, m, w, v, cols[keep[pos]].title, sortArrow(m.page().state().sort.desc))
			}
			for range 12 {
				press(">", 1)
			}
			m = keys(t, m, "I")
			if !m.page().state().sort.desc {
				t.Errorf("%d columns, view %s: I did not reverse the sort", w, v)
			}
			press("<", -1)
			if m = keys(t, m, "S"); m.page().state().sort.desc {
				t.Errorf("%d columns, view %s: S did not reverse the sort", w, v)
			}
			for range 12 {
				m = keys(t, m, "<")
			}
			if got := m.page().state().sort.col; got != -1 {
				t.Errorf("%d columns, view %s: < from the first column sorts by column %d, not the natural order", w, v, got)
			}
			for range 30 {
				if _, keep := m.page().shown(&m.c); m.page().state().sort.col == keep[len(keep)-1] {
					break
				}
				press("s", 1)
			}
			if m = keys(t, m, "s"); m.page().state().sort.col != -1 {
				t.Errorf("%d columns, view %s: s after the last column does not go back to the natural order", w, v)
			}
		}
	}
}

// checkArrow fails unless the page of m is sorted by the column titled
// title, and its header row shows title whole with arrow beside it.
func checkArrow(t *testing.T, m Model, w int, v, title, arrow string) {
	t.Helper()
	cols, _ := m.page().shown(&m.c)
	s := m.page().state().sort
	if s.col < 0 || cols[s.col].title != title {
		t.Errorf("%d columns, view %s: sorted by column %d, want %s", w, v, s.col, title)
		return
	}
	head := headerOf(m, cols[0].title)
	if !strings.Contains(head, arrow+title) && !strings.Contains(head, title+arrow) {
		t.Errorf("%d columns, view %s: header row lacks %q with %s beside it: %q", w, v, title, arrow, head)
	}
}

// TestSortMenu: o opens a menu of the natural order and the columns on
// screen; the moving keys pick one, enter sorts by it, I sorts by it the
// other way, esc closes it and changes nothing.
func TestSortMenu(t *testing.T) {
	m := newTestModel(t, 80, 24, testConfig(fixture(t0)))
	m = keys(t, m, "2", "o")
	if m.sortMenu == nil {
		t.Fatal("o did not open the sort menu")
	}
	cols, keep := m.page().shown(&m.c)
	if got, want := m.sortMenu.titles[1:], titlesOf(cols, keep); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("menu lists %q, want the columns on screen %q", got, want)
	}
	if s := screen(m); !strings.Contains(s, "Sort by") || !strings.Contains(s, "natural order") {
		t.Errorf("menu not drawn:\n%s", s)
	}
	checkFits(t, m, 80, 24)
	m = keys(t, m, "down", "down", "down", "enter")
	if m.sortMenu != nil {
		t.Error("enter did not close the menu")
	}
	checkArrow(t, m, 80, "2", cols[keep[2]].title, "▲")
	m = keys(t, m, "o", "down", "I")
	checkArrow(t, m, 80, "2", cols[keep[3]].title, "▼")
	m = keys(t, m, "o", "up", "up", "esc")
	if m.sortMenu != nil {
		t.Fatal("esc did not close the menu")
	}
	checkArrow(t, m, 80, "2", cols[keep[3]].title, "▼")
	// At 40x10 the menu scrolls to its cursor and fits the screen.
	m = update(t, m, tea.WindowSizeMsg{Width: 40, Height: 10})
	m = keys(t, m, "1", "f6", "end", "down", "down")
	checkFits(t, m, 40, 10)
	if s := screen(m); !strings.Contains(s, "Sort by") {
		t.Errorf("menu not drawn at 40x10:\n%s", s)
	}
}

func titlesOf(cols []colSpec, keep []int) []string {
	var out []string
	for _, i := range keep {
		out = append(out, cols[i].title)
	}
	return out
}

// TestHelpScrolls: at 80x24 the help screen shows every key on its first
// screen and scrolls to its legends; only esc and ? close it; q quits.
func TestHelpScrolls(t *testing.T) {
	m := newTestModel(t, 80, 24, testConfig(fixture(t0)))
	m = keys(t, m, "?")
	s := screen(m)
	for _, b := range m.c.keys.all() {
		if h := b.Help(); h.Key != "" && b.Enabled() && !strings.Contains(s, h.Key) && h.Desc != m.c.keys.Apply.Help().Desc &&
			h.Desc != m.c.keys.Cancel.Help().Desc && h.Key != m.c.keys.ForceQuit.Help().Key {
			t.Errorf("help at 80x24 lacks %q (%s):\n%s", h.Key, h.Desc, s)
		}
	}
	checkFits(t, m, 80, 24)
	if strings.Contains(s, "Listeners: flags") {
		t.Fatalf("the legends fit at 80x24: the test wants them below the first screen\n%s", s)
	}
	m = keys(t, m, "x", "w", "space", "down")
	if m.help == nil {
		t.Fatal("a key other than esc or ? closed the help")
	}
	m = keys(t, m, "end")
	if s = screen(m); !strings.Contains(s, "Listeners: flags") || !strings.Contains(s, "(docs/listeners.md)") {
		t.Errorf("end did not scroll to the legends:\n%s", s)
	}
	m = update(t, m, tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if m.help.offset == 0 {
		t.Error("the wheel does not scroll the help")
	}
	if m = keys(t, m, "esc"); m.help != nil {
		t.Error("esc did not close the help")
	}
	if m = keys(t, m, "?", "?"); m.help != nil {
		t.Error("? did not close the help")
	}
	if _, cmd := keys(t, m, "?").Update(keyMsg("q")); cmd == nil || !isQuit(cmd) {
		t.Error("q on the help screen does not quit")
	}
}

// TestFooterKeepsHelpAndQuit: the footer says "? help" and "q quit" whole
// at every width, dropping the other hints first.
func TestFooterKeepsHelpAndQuit(t *testing.T) {
	m := newTestModel(t, 120, 24, testConfig(fixture(t0)))
	for w := 30; w <= 220; w++ {
		m = update(t, m, tea.WindowSizeMsg{Width: w, Height: 24})
		lines := strings.Split(screen(m), "\n")
		foot := lines[len(lines)-1]
		if !strings.HasPrefix(foot, "? help") || !strings.HasSuffix(foot, "q quit") {
			t.Errorf("%d columns: footer %q", w, foot)
		}
	}
}

// TestEscThenQ: esc then q typed quickly reaches the dashboard as alt+q,
// which quits; any alt+key that no binding names is esc then the key; in
// the filter line alt+b stays the input's word-back.
func TestEscThenQ(t *testing.T) {
	alt := func(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Mod: tea.ModAlt} }
	m := newTestModel(t, 80, 24, testConfig(fixture(t0)))
	if _, cmd := m.Update(alt('q')); cmd == nil || !isQuit(cmd) {
		t.Error("alt+q (esc then q) does not quit")
	}
	m = keys(t, m, "down", "enter")
	if m.detail == nil {
		t.Fatal("enter did not open the detail pane")
	}
	next, _ := m.Update(alt('2'))
	if m = next.(Model); m.detail != nil || m.view != viewRemotes {
		t.Errorf("alt+2 (esc then 2): pane open %v, view %d", m.detail != nil, m.view)
	}
	m = keys(t, m, "/", "type:state time-wait")
	next, _ = m.Update(alt('b'))
	if m = next.(Model); !m.filter.editing || m.filter.input.Position() != len("state ") {
		t.Errorf("alt+b in the filter line: editing %v, cursor at %d", m.filter.editing, m.filter.input.Position())
	}
	next, _ = m.Update(alt('x'))
	if m = next.(Model); m.filter.editing || m.c.filter != nil {
		t.Error("alt+x in the filter line is not esc then x")
	}
}

// isQuit reports whether cmd, or a command it batches, quits.
func isQuit(cmd tea.Cmd) bool {
	switch msg := cmd().(type) {
	case tea.QuitMsg:
		return true
	case tea.BatchMsg:
		for _, c := range msg {
			if c != nil && isQuit(c) {
				return true
			}
		}
	}
	return false
}
