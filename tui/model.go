package tui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/audit"
	"github.com/conntab/conntab/filter"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
	"github.com/conntab/conntab/sample"
)

// Config is what the dashboard needs from its caller. The dashboard never
// reads the kernel itself: main hands it functions that do, so tui depends
// on model and filter only.
type Config struct {
	// Collect reads one snapshot. It runs off the UI goroutine; a snapshot
	// returned with an error is shown, with the error.
	Collect func(context.Context) (*model.Snapshot, error)
	// TCPInfo asks the kernel for one socket's tcp_info; nil: not shown.
	TCPInfo func(context.Context, model.Socket) (model.TCPInfo, error)
	// Process reads a process's command line and cgroup; nil: not shown.
	Process func(pid int32) (model.ProcessDetail, error)
	// Labeler names ports, services and users. Its Host and Snapshot are
	// set from each sample.
	Labeler render.Labeler
	// Interval is the time from one sample's arrival to the next one's
	// start, as top and watch count it, so a slow collection never piles
	// up; 0 means one second.
	Interval time.Duration
	// Host and NetNS name what is watched, for the header.
	Host, NetNS string
	// Filter is the filter the dashboard starts with; nil selects all.
	Filter *filter.Filter
	// Recent is how long new and changed sockets stay highlighted and
	// closed ones linger; 0 means three seconds.
	Recent     time.Duration
	Thresholds analyze.Thresholds
	// Rules are the listener audit's (the Listeners view's flags); nil
	// means model.DefaultAuditRules.
	Rules  *audit.AuditRules
	Styles Styles
	Keys   KeyMap
}

// view is one of the dashboard's screens.
type view int

const (
	viewSockets view = iota
	viewRemotes
	viewListeners
	viewProcesses
	viewPorts
	viewCount
)

var viewNames = [viewCount]string{"Sockets", "Remote endpoints", "Listeners", "Processes", "Ports"}

// foldAbove is how many sockets a state group needs to start folded: a
// host with 90,000 established connections should first see its groups,
// not the first screen of one of them. A group the user folds or unfolds
// stays so.
const foldAbove = 500

// Model is the dashboard. Update is pure: the kernel is read by commands
// that return messages.
type Model struct {
	cfg    Config
	ctx    context.Context
	keys   KeyMap
	st     Styles
	labels *render.Labeler

	width, height int
	view          view
	help          bool
	paused        bool
	inflight      bool
	// now is the time of the last sample: marks age against it, never
	// against the wall clock, so a frame depends on messages only.
	now time.Time
	err error

	// unowned counts the sockets of processes this user cannot inspect.
	unowned int

	// cur is the sample shown; sampling says how the next is taken.
	cur      *sample.Sample
	sampling sample.Config
	track    *sample.Diff
	history  history
	dests    *analyze.DestIndex // of the whole snapshot: flags ignore the filter
	ports    *analyze.PortsReport

	// The filter: the last good one applies; what is being typed is
	// checked as it is typed.
	filter    *filter.Filter
	matcher   *filter.Matcher
	editing   bool
	input     textinput.Model
	filterErr error
	hidden    model.StateSet // states toggled off

	cols    []sockCol
	socks   sockRows
	fold    map[model.State]bool // the user's choice, per state
	tables  [viewCount]tableState
	derived derived

	detail   *detailState
	findings *findingsPane
}

// tableState is a view's cursor, scroll position and sort.
type tableState struct {
	cursor, offset int
	sort           sortSpec
	// sel identifies the selected row, to keep it selected when the rows
	// change under it.
	sel rowID
}

// rowID identifies a row across samples: a socket id, or a group header.
type rowID struct {
	id     uint64
	header bool
	state  model.State
	key    string // the aggregate views' row key
}

// New returns the dashboard for cfg.
func New(ctx context.Context, cfg Config) Model {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Recent <= 0 {
		cfg.Recent = 3 * time.Second
	}
	if cfg.Thresholds == (analyze.Thresholds{}) {
		cfg.Thresholds = analyze.DefaultThresholds()
	}
	if cfg.Rules == nil {
		cfg.Rules = audit.DefaultAuditRules()
	}
	if cfg.Styles.State == nil {
		cfg.Styles = DefaultStyles()
	}
	if len(cfg.Keys.Quit.Keys()) == 0 {
		cfg.Keys = DefaultKeyMap()
	}
	labels := cfg.Labeler
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "state time-wait and dport = :5432"
	m := Model{
		cfg: cfg, ctx: ctx, keys: cfg.Keys, st: cfg.Styles, labels: &labels,
		width: 80, height: 24,
		track: sample.NewDiff(), input: in,
		cols: sockColumns(), fold: map[model.State]bool{},
	}
	for v := range m.tables {
		m.tables[v].sort = sortSpec{col: -1}
	}
	m.sampling = sample.Config{Collect: cfg.Collect, Thresholds: cfg.Thresholds, Ports: true, Linger: cfg.Recent}
	m.setFilter(cfg.Filter)
	// Init starts the first sample; until it arrives no key may start
	// another (a Collector reads one snapshot at a time).
	m.inflight = true
	return m
}

// Init starts the first sample.
func (m Model) Init() tea.Cmd { return m.collect() }

// sampleMsg carries a sample taken off the UI goroutine.
type sampleMsg struct {
	sample *sample.Sample
	err    error
}

// tickMsg says the interval has passed.
type tickMsg struct{}

// collect returns the command that takes the next sample. sample.Take
// only reads the current sample, which Update never changes, so it is
// safe off the UI goroutine.
func (m *Model) collect() tea.Cmd {
	m.inflight = true
	ctx, cfg, prev := m.ctx, &m.sampling, m.cur
	return func() tea.Msg {
		s, err := sample.Take(ctx, cfg, prev)
		return sampleMsg{sample: s, err: err}
	}
}

func (m *Model) tick() tea.Cmd {
	return tea.Tick(m.cfg.Interval, func(time.Time) tea.Msg { return tickMsg{} })
}

// Update handles one message.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.input.SetWidth(max(10, m.width-4))
		m.scrollToCursor()
		return m, nil
	case sampleMsg:
		m.inflight = false
		m.err = msg.err
		if msg.sample != nil {
			m.install(msg.sample)
		}
		// An open detail pane asks the kernel again, for its one socket.
		return m, tea.Batch(m.tick(), m.detailCmd())
	case tickMsg:
		if m.paused || m.inflight {
			return m, nil
		}
		return m, m.collect()
	case detailMsg:
		m.updateDetail(msg)
		return m, nil
	case tea.MouseWheelMsg:
		if m.findings != nil {
			switch msg.Button {
			case tea.MouseWheelUp:
				m.scrollFindings(-3)
			case tea.MouseWheelDown:
				m.scrollFindings(3)
			}
			return m, nil
		}
		switch msg.Button {
		case tea.MouseWheelUp:
			m.move(-3)
		case tea.MouseWheelDown:
			m.move(3)
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	if m.editing {
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return m, cmd
	}
	return m, nil
}

// install makes a sample current.
func (m *Model) install(s *sample.Sample) {
	n := s.Net()
	m.cur = s
	m.track, m.dests, m.ports, m.now = n.Diff, n.Dests, n.Ports, n.At
	m.labels.Host = &n.Snap.Host
	m.labels.Snapshot = n.Snap
	m.history.add(n.Snap)
	m.unowned = n.Snap.Unowned()
	m.rebuild()
}

// key handles a key press.
func (m Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	if msg.String() == "ctrl+c" {
		return m, tea.Quit
	}
	if m.editing {
		return m.editKey(msg)
	}
	if m.help {
		m.help = false
		if key.Matches(msg, k.Quit) {
			return m, tea.Quit
		}
		return m, nil
	}
	if m.findings != nil {
		return m.findingsKey(msg)
	}
	if m.detail != nil {
		switch {
		case key.Matches(msg, k.Back), key.Matches(msg, k.Enter):
			m.detail = nil
			return m, nil
		case key.Matches(msg, k.Quit):
			return m, tea.Quit
		case key.Matches(msg, k.Refresh):
			return m, m.detailCmd()
		}
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.help = true
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.Down):
		m.move(1)
	case key.Matches(msg, k.PageUp):
		m.move(-m.tableHeight())
	case key.Matches(msg, k.PageDown):
		m.move(m.tableHeight())
	case key.Matches(msg, k.Top):
		m.move(-1 << 30)
	case key.Matches(msg, k.Bottom):
		m.move(1 << 30)
	case key.Matches(msg, k.NextView):
		m.view = (m.view + 1) % viewCount
		m.rebuildView()
	case key.Matches(msg, k.PrevView):
		m.view = (m.view + viewCount - 1) % viewCount
		m.rebuildView()
	case key.Matches(msg, k.Sort):
		m.cycleSort()
	case key.Matches(msg, k.SortReverse):
		t := &m.tables[m.view]
		t.sort.desc = !t.sort.desc
		m.rebuildView()
	case key.Matches(msg, k.Filter):
		m.editing = true
		m.input.SetValue(m.filterText())
		m.input.CursorEnd()
		return m, m.input.Focus()
	case key.Matches(msg, k.ClearFilter):
		m.setFilter(nil)
		m.rebuild()
	case key.Matches(msg, k.Established):
		m.toggleState(model.StateEstablished)
	case key.Matches(msg, k.TimeWait):
		m.toggleState(model.StateTimeWait)
	case key.Matches(msg, k.CloseWait):
		m.toggleState(model.StateCloseWait)
	case key.Matches(msg, k.Listen):
		m.toggleState(model.StateListen)
	case key.Matches(msg, k.AllStates):
		m.hidden = 0
		m.rebuild()
	case key.Matches(msg, k.Collapse):
		m.toggleFold()
	case key.Matches(msg, k.ExpandAll):
		m.toggleFoldAll()
	case key.Matches(msg, k.Enter):
		return m.enter()
	case key.Matches(msg, k.Pause):
		m.paused = !m.paused
		if !m.paused && !m.inflight {
			return m, m.collect()
		}
	case key.Matches(msg, k.Refresh):
		if !m.inflight {
			return m, m.collect()
		}
	default:
		for v, b := range k.Views {
			if key.Matches(msg, b) {
				m.view = view(v)
				m.rebuildView()
			}
		}
	}
	return m, nil
}

// editKey handles a key while the filter is being typed: enter applies
// it when it parses, esc leaves it as it was.
func (m Model) editKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "esc":
		m.editing, m.filterErr = false, nil
		m.input.Blur()
		return m, nil
	case "enter":
		f, err := parseFilter(m.input.Value())
		if err != nil {
			m.filterErr = err
			return m, nil
		}
		m.editing, m.filterErr = false, nil
		m.input.Blur()
		m.setFilter(f)
		m.rebuild()
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	_, m.filterErr = parseFilter(m.input.Value())
	return m, cmd
}

// parseFilter parses a filter; blank selects everything (nil).
func parseFilter(s string) (*filter.Filter, error) {
	for _, c := range s {
		if c != ' ' && c != '\t' {
			return filter.Parse(s)
		}
	}
	return nil, nil
}

func (m *Model) filterText() string {
	if m.filter == nil {
		return ""
	}
	return m.filter.String()
}

// setFilter makes f the filter. A filter that does not compile (a service
// name no table knows) keeps the last good one and says why.
func (m *Model) setFilter(f *filter.Filter) {
	if f == nil {
		m.filter, m.matcher = nil, nil
		return
	}
	mt, err := f.Compile(&m.labels.Labeler)
	if err != nil {
		m.filterErr = err
		return
	}
	m.filter, m.matcher = f, mt
}

func (m *Model) toggleState(s model.State) {
	m.hidden ^= model.NewStateSet(s)
	m.rebuild()
}

// cycleSort sorts the current view by its next column, the natural order
// coming after the last.
func (m *Model) cycleSort() {
	t := &m.tables[m.view]
	n := m.columnCount()
	t.sort.col++
	if t.sort.col >= n {
		t.sort.col = -1
	}
	t.sort.desc = false
	m.rebuildView()
}

// bodyHeight is the number of table lines on screen.
func (m *Model) bodyHeight() int {
	return max(1, m.height-headerLines-footerLines-1)
}
