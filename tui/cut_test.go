package tui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/conntab/conntab/model"
)

// cutNumber finds a number that a cut ends or starts: digits right before
// the ellipsis ("29…", "10.0.…", "0/…") or right after it ("…95").
var cutNumber = regexp.MustCompile(`[0-9][.:,/%]?…|…[.:]?[0-9]`)

// sweepViews are the screens TestNoNumberCut draws: every view and pane,
// the help screen, the sort menu and the filter line with its errors.
var sweepViews = []struct {
	name string
	keys []string
}{
	{"sockets", nil},
	{"sockets-end", []string{"end"}},
	{"sockets-sorted", []string{">", ">", ">"}},
	{"remotes", []string{"2"}},
	{"listeners", []string{"3"}},
	{"listeners-findings", []string{"3", "enter"}},
	{"processes", []string{"4"}},
	{"ports", []string{"5"}},
	{"ports-findings", []string{"5", "enter"}},
	{"detail", []string{"down", "enter"}},
	{"help", []string{"?"}},
	{"sort-menu", []string{"2", "o"}},
	{"filter-typing", []string{"/", "type:frobnicate 4294967295 and dport = :5432"}},
	{"filter-error", []string{"/", "type:dport = :nosuchservice", "enter"}},
}

// sweepSizes are the sizes TestNoNumberCut draws every screen at: widths
// 40 to 215 by 7, heights 10 to 60.
func sweepSizes() [][2]int {
	var sizes [][2]int
	for w := 40; w <= 220; w += 7 {
		for _, h := range []int{10, 14, 24, 40, 60} {
			sizes = append(sizes, [2]int{w, h})
		}
	}
	return sizes
}

// TestNoNumberCut: nothing the dashboard draws is cut inside a number, at
// any size from 40x10 up, on the golden fixture and on one whose numbers
// are as wide as they get. Every screen fits its size; no number ends or
// starts at an ellipsis; and in every table, each number of a column on
// screen is there whole, a process's pid included.
func TestNoNumberCut(t *testing.T) {
	fixtures := []struct {
		name  string
		snaps []*model.Snapshot
	}{
		{"golden", []*model.Snapshot{portsFixture(t0, false), portsFixture(t0.Add(5*time.Second), true)}},
		{"hostile", []*model.Snapshot{hostileFixture(t0, false), hostileFixture(t0.Add(5*time.Second), true)}},
	}
	for _, f := range fixtures {
		for _, v := range sweepViews {
			t.Run(f.name+"/"+v.name, func(t *testing.T) {
				m := takeSample(t, newTestModel(t, 120, 40, testConfig(f.snaps...)))
				m = keys(t, m, v.keys...)
				failures := 0
				for _, size := range sweepSizes() {
					m = update(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
					for _, problem := range numberProblems(m, size[0], size[1]) {
						if failures++; failures <= 5 {
							t.Errorf("%dx%d: %s\n%s", size[0], size[1], problem, screen(m))
						}
					}
				}
				if failures > 5 {
					t.Errorf("and %d more", failures-5)
				}
			})
		}
	}
}

// numberProblems lists what is wrong with m's screen at w x h: its size,
// a number at an ellipsis, a number of a table's shown column that is not
// there whole.
func numberProblems(m Model, w, h int) []string {
	var out []string
	lines := strings.Split(screen(m), "\n")
	if len(lines) != h {
		out = append(out, fmt.Sprintf("%d lines", len(lines)))
	}
	if head, foot := m.frame(); len(head)+len(foot) != m.c.frame {
		out = append(out, fmt.Sprintf("the frame is %d+%d lines, the body was laid out for %d", len(head), len(foot), m.c.frame))
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			out = append(out, fmt.Sprintf("line %d is %d cells wide", i, lw))
		}
		if cut := cutNumber.FindString(l); cut != "" {
			out = append(out, fmt.Sprintf("line %d cuts a number: %q in %q", i, cut, l))
		}
	}
	return append(out, tableNumbers(m, lines)...)
}

// wholeNumber reports whether line holds num with no digit on either side.
func wholeNumber(line, num string) bool {
	for from := 0; ; {
		i := strings.Index(line[from:], num)
		if i < 0 {
			return false
		}
		i += from
		before, after := byte(' '), byte(' ')
		if i > 0 {
			before = line[i-1]
		}
		if j := i + len(num); j < len(line) {
			after = line[j]
		}
		if !isDigit(before) && !isDigit(after) {
			return true
		}
		from = i + 1
	}
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// numeric matches a cell that is a number, a count pair, a share, a rate,
// a duration or an endpoint.
var numeric = regexp.MustCompile(`^~?[0-9][0-9./%:]*[smh]?$|^\[[0-9a-f:]+\]:[0-9]+$|^[0-9]+(\.[0-9]+){3}:[0-9*]+$`)

// pidOf matches a process cell's last pid.
var pidOf = regexp.MustCompile(`/([0-9]+)$`)

// tableNumbers checks the table of the page shown, when no pane or menu
// covers it: for each row on screen, every numeric cell of a column whose
// title is in the header row is in the row whole, and so is the pid that
// ends a process cell.
func tableNumbers(m Model, lines []string) []string {
	if m.help != nil || m.sortMenu != nil || m.detail != nil || m.findings != nil || m.filter.editing {
		return nil
	}
	titles, rows := tableCells(&m)
	if titles == nil {
		return nil
	}
	head := -1
	for i, l := range lines {
		if isHeaderRow(l, titles) {
			head = i
			break
		}
	}
	if head < 0 {
		return nil // the view left the table no room (the Ports view's summary)
	}
	var out []string
	for r, cells := range rows {
		li := head + 1 + r
		if li >= len(lines)-1 || cells == nil {
			continue
		}
		line := lines[li]
		for ci, cell := range cells {
			if !strings.Contains(lines[head], titles[ci]) {
				continue
			}
			num := cell
			if !numeric.MatchString(cell) {
				m := pidOf.FindStringSubmatch(cell)
				if m == nil {
					continue
				}
				num = m[1]
			}
			if !wholeNumber(line, num) {
				out = append(out, fmt.Sprintf("column %s: %q is not whole in line %d %q", titles[ci], num, li, line))
			}
		}
	}
	return out
}

// tableCells are the titles of the shown page's columns and the cells of
// its rows on screen, in order; nil for a row that is no table row (a
// group's header).
func tableCells(m *Model) (titles []string, rows [][]string) {
	c := &m.c
	if m.view == viewSockets {
		v := &m.sockets
		for _, col := range v.cols {
			titles = append(titles, col.title)
		}
		for pos := v.table.offset; pos < v.table.offset+c.bodyHeight(); pos++ {
			_, row, ok := v.rows.at(pos, v.folded)
			if !ok {
				break
			}
			if row < 0 {
				rows = append(rows, nil)
				continue
			}
			i := v.rows.rows[row]
			var cells []string
			for _, col := range v.cols {
				cells = append(cells, string(col.Append(nil, c.net.Diff.Socket(i), c.labelsOf(i))))
			}
			rows = append(rows, cells)
		}
		return titles, rows
	}
	g := m.page().(interface{ gridOf() *grid }).gridOf()
	if g == nil {
		return nil, nil
	}
	for _, col := range g.cols {
		titles = append(titles, col.title)
	}
	t := m.page().state()
	for pos := t.offset; pos < len(g.rows) && pos < t.offset+m.page().height(c); pos++ {
		rows = append(rows, g.rows[pos].cells)
	}
	return titles, rows
}

func (v *gridView) gridOf() *grid { return v.grid }

// isHeaderRow reports whether l is a table's header row: two of its
// titles, in order, after the mark column.
func isHeaderRow(l string, titles []string) bool {
	if !strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, " ▲") && !strings.HasPrefix(l, " ▼") {
		return false
	}
	found := 0
	for _, t := range titles {
		if strings.Contains(l, t) {
			found++
		}
	}
	return found >= min(2, len(titles))
}
