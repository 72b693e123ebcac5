package tui

import (
	"charm.land/lipgloss/v2"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
)

// Styles is every look the dashboard uses, in one value passed to New, so
// a test or a user's theme can replace it whole. Colours are the terminal's
// own sixteen, which follow its light or dark theme; Bubble Tea drops them
// when NO_COLOR is set or the terminal has none. Nothing is said by colour
// alone: every flag and mark also has a word or a symbol.
type Styles struct {
	Title     lipgloss.Style
	Dim       lipgloss.Style // labels, secondary text
	Tab       lipgloss.Style
	ActiveTab lipgloss.Style
	Header    lipgloss.Style // table column names
	Group     lipgloss.Style // a state group's header row
	Selected  lipgloss.Style
	New       lipgloss.Style // a socket that appeared in the last seconds
	Changed   lipgloss.Style // a socket whose state changed in the last seconds
	Closed    lipgloss.Style // a socket that is gone, lingering
	Notice    lipgloss.Style
	Warn      lipgloss.Style
	Crit      lipgloss.Style
	Error     lipgloss.Style
	Paused    lipgloss.Style
	Key       lipgloss.Style // a key in the footer and help
	Box       lipgloss.Style // the detail pane and help
	// State colours a state's segment of the header bar and its name.
	State map[model.State]lipgloss.Style
}

// DefaultStyles returns the dashboard's styles.
func DefaultStyles() Styles {
	c := lipgloss.Color
	st := func(fg string) lipgloss.Style { return lipgloss.NewStyle().Foreground(c(fg)) }
	return Styles{
		Title:     lipgloss.NewStyle().Bold(true),
		Dim:       lipgloss.NewStyle().Faint(true),
		Tab:       lipgloss.NewStyle().Padding(0, 1),
		ActiveTab: lipgloss.NewStyle().Padding(0, 1).Reverse(true).Bold(true),
		Header:    lipgloss.NewStyle().Bold(true).Underline(true),
		Group:     lipgloss.NewStyle().Bold(true),
		Selected:  lipgloss.NewStyle().Reverse(true),
		New:       st("2").Bold(true),
		Changed:   st("3").Bold(true),
		Closed:    lipgloss.NewStyle().Faint(true).Strikethrough(true),
		Notice:    st("3"),
		Warn:      st("1").Bold(true),
		Crit:      lipgloss.NewStyle().Foreground(c("15")).Background(c("1")).Bold(true),
		Error:     st("1"),
		Paused:    lipgloss.NewStyle().Reverse(true).Bold(true),
		Key:       st("6").Bold(true),
		Box:       lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1),
		State: map[model.State]lipgloss.Style{
			model.StateEstablished: st("2"),
			model.StateTimeWait:    st("3"),
			model.StateCloseWait:   st("1"),
			model.StateListen:      st("4"),
			model.StateSynSent:     st("5"),
			model.StateSynRecv:     st("5"),
			model.StateFinWait1:    st("6"),
			model.StateFinWait2:    st("6"),
			model.StateLastAck:     st("1"),
			model.StateClosing:     st("6"),
			model.StateUnconn:      st("4"),
		},
	}
}

// state returns the style of state s.
func (st *Styles) state(s model.State) lipgloss.Style {
	if x, ok := st.State[s]; ok {
		return x
	}
	return lipgloss.NewStyle()
}

// sev returns the style of severity s.
func (st *Styles) sev(s analyze.Severity) lipgloss.Style {
	switch s {
	case analyze.SeverityNotice:
		return st.Notice
	case analyze.SeverityWarn:
		return st.Warn
	case analyze.SeverityCritical:
		return st.Crit
	}
	return lipgloss.NewStyle()
}
