package tui

import (
	"context"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/sample"
)

// Model is the dashboard: the parent of its sub-models, which only routes
// (doc.go draws how a sample and a key pass through it). It holds the
// sample shown, what it shares with the sub-models (common), the sampling
// loop, and the sub-models: the header, the filter line, the five views
// and the two panes. Update is pure: the kernel is read by commands that
// return messages.
type Model struct {
	c    common
	cur  *sample.Sample // the sample shown, nil until the first arrives
	loop loop

	view   view
	header header
	filter filterBar
	// help and sortMenu open over the view shown; nil when closed.
	help     *helpScreen
	sortMenu *sortMenu

	sockets   socketsView
	remotes   remotesView
	listeners listenersView
	processes processesView
	ports     portsView
	// detail and findings are the panes enter opens over a view; nil
	// when closed.
	detail   *detailPane
	findings *findingsPane
	// resolve names hosts (Config.Resolver).
	resolve resolving
	// kill is K's question while the footer asks it; killNote what the
	// last K did, until the next key; destroy closes sockets
	// (Config.Destroy).
	kill     *killAsk
	killNote string
	destroy  DestroyFunc
	// whatIf is the Ports view's what-if line (W).
	whatIf whatIfBar
}

// New returns the dashboard for cfg.
func New(ctx context.Context, cfg Config) Model {
	cfg = cfg.withDefaults()
	raiseMemoryLimit(cfg.MemoryLimit)
	labels := cfg.Labeler
	m := Model{
		c: common{
			st: cfg.Styles, keys: cfg.Keys, width: 80, height: 24, labels: &labels, recent: cfg.Recent, root: cfg.Root,
			kernel: kernel{ctx: ctx, tcpInfo: cfg.TCPInfo, process: cfg.Process},
		},
		loop: loop{
			ctx: ctx,
			cfg: sample.Config{
				Collect: cfg.Collect, Thresholds: cfg.Thresholds, Ports: true, Linger: cfg.Recent,
				Rules: cfg.Rules, Names: cfg.Labeler.Labeler,
			},
			interval: cfg.Interval, memoryLimit: cfg.MemoryLimit,
		},
		resolve:   resolving{ctx: ctx, resolver: cfg.Resolver},
		destroy:   cfg.Destroy,
		whatIf:    newWhatIfBar(),
		header:    header{host: cfg.Host, netns: cfg.NetNS, interval: cfg.Interval, root: cfg.Root},
		filter:    newFilterBar(),
		sockets:   newSocketsView(),
		remotes:   remotesView{newPlainGrid(remotesGrid)},
		listeners: listenersView{gridView: newGridView()},
		processes: processesView{newPlainGrid(processesGrid)},
		ports:     portsView{newGridView()},
	}
	m.setFilter(cfg.Filter)
	// Init starts the first sample; until it arrives no key may start
	// another (a Collector reads one snapshot at a time).
	m.loop.inflight = true
	return m
}

// Init starts the first sample.
func (m Model) Init() tea.Cmd { return m.collect() }

// collect returns the command that takes the next sample.
func (m *Model) collect() tea.Cmd { return m.loop.take(m.cur) }

// Update handles one message: it routes it to the sub-model it is for,
// then fits the frame around the view to what it now says.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := m.update(msg)
	m.fit()
	return m, cmd
}

// fit sets the number of lines the header and the footer take, which a
// notice or an error can grow, and keeps the cursor on screen when the
// body shrinks.
func (m *Model) fit() {
	frame := headerLines + footerLines
	if m.c.net != nil {
		frame = m.frameHeight()
	}
	if frame != m.c.frame {
		m.c.frame = frame
		scrollToCursor(&m.c, m.page())
	}
}

func (m Model) update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.width, m.c.height = msg.Width, msg.Height
		m.filter.resize(msg.Width)
		scrollToCursor(&m.c, m.page())
		return m, nil
	case sampleMsg:
		m.loop.inflight = false
		m.loop.err = msg.err
		if msg.sample != nil {
			m.install(msg.sample)
		}
		// An open detail pane asks the kernel again, for its one socket.
		var ask tea.Cmd
		if m.detail != nil {
			ask = m.detail.ask(&m.c)
		}
		return m, tea.Batch(m.loop.tick(), ask, m.resolve.ask(m.c.net))
	case hostsMsg:
		m.answered(msg)
		return m, nil
	case killMsg:
		return m, m.killed(msg)
	case tickMsg:
		if m.loop.paused || m.loop.inflight {
			return m, nil
		}
		return m, m.collect()
	case detailMsg:
		if m.detail != nil {
			m.detail = m.detail.answered(msg)
		}
		return m, nil
	case tea.MouseWheelMsg:
		m.wheel(msg)
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	if paste, ok := msg.(tea.PasteMsg); ok && m.filter.editing {
		m.filter = m.filter.edited(paste)
	} else if ok && m.whatIf.editing {
		m.whatIf.input.update(paste)
	}
	return m, nil
}

// install makes s the sample shown: a labeler of its own, the filter
// compiled against it, and every view's rows made again.
func (m *Model) install(s *sample.Sample) {
	n := s.Net()
	m.cur = s
	labels := *m.c.labels
	labels.Host, labels.Snapshot, labels.Hosts = &n.Snap.Host, n.Snap, m.resolve.hosts
	m.c.net, m.c.labels, m.c.now = n, &labels, n.At
	if m.c.filter != nil {
		// The matcher asks its labeler for port classes and processes:
		// this sample's. It compiled before with the same services, so
		// it compiles again.
		if mt, err := m.c.filter.Compile(&labels.Labeler); err == nil {
			m.c.matcher = mt
		}
	}
	m.header.add(n.Snap)
	m.rebuild()
}

// rebuild makes the rows again from the sample, the filter and the state
// toggles: the Sockets view's now, as they are the selection the others
// count; the shown view's too; the others' when they are shown.
func (m *Model) rebuild() {
	if m.c.net == nil {
		return
	}
	m.sockets.rebuild(&m.c)
	m.c.sel = m.sockets.rows.rows
	m.remotes.reset()
	m.listeners.reset()
	m.processes.reset()
	m.ports.reset()
	m.refresh()
}

// refresh makes the shown view's rows again.
func (m *Model) refresh() {
	if m.c.net == nil {
		return
	}
	m.page().refresh(&m.c)
}

// page is the view shown.
func (m *Model) page() page {
	switch m.view {
	case viewRemotes:
		return &m.remotes
	case viewListeners:
		return &m.listeners
	case viewProcesses:
		return &m.processes
	case viewPorts:
		return &m.ports
	}
	return &m.sockets
}

// advisor is the view under the findings pane.
func (m *Model) advisor() advisor {
	if m.view == viewListeners {
		return &m.listeners
	}
	return &m.ports
}

// key routes a key press: ForceQuit, then the filter line when open,
// Quit, the help screen, the sort menu, an open pane, the parent's own
// keys, and last the view shown. An alt+key that nothing binds is esc
// then key, typed quickly.
func (m Model) key(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := &m.c.keys
	if msg.Mod.Contains(tea.ModAlt) && !k.binds(msg) && !m.filter.takes(msg) && !(m.whatIf.editing && m.whatIf.input.takesAlt(msg)) {
		m, esc := m.key(tea.KeyPressMsg{Code: tea.KeyEscape})
		m, then := m.key(unAlt(msg))
		return m, tea.Batch(esc, then)
	}
	var cmd tea.Cmd
	m.killNote = ""
	switch {
	case key.Matches(msg, k.ForceQuit):
		return m, tea.Quit
	case m.kill != nil:
		cmd = m.answerKill(msg)
	case m.whatIf.editing:
		cmd = m.whatIfKey(msg)
	case m.filter.editing:
		var f *applied
		m.filter, cmd, f = m.filter.update(k, msg)
		if f != nil {
			m.setFilter(f.filter)
			m.rebuild()
		}
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case m.help != nil:
		m.help = m.help.update(&m.c, msg)
	case m.sortMenu != nil:
		m.sortMenu = m.sortMenu.update(&m.c, m.page(), msg)
	case m.findings != nil:
		m.findings = m.findings.update(&m.c, msg, m.advisor())
	case m.detail != nil:
		m.detail, cmd = m.detail.update(&m.c, msg)
	default:
		var ok bool
		if cmd, ok = m.ownKey(msg); !ok {
			cmd = m.pageKey(msg)
		}
	}
	return m, cmd
}

// ownKey answers the keys that are the parent's whatever the view: the
// views, the help screen, the sort menu, the filter, the state toggles,
// Pause and Refresh. ok is false for any other key.
func (m *Model) ownKey(msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool) {
	k := &m.c.keys
	if v, ok := k.viewOf(msg, m.view); ok {
		m.view = v
		m.refresh()
		return nil, true
	}
	if s, ok := k.toggled(msg); ok {
		m.c.hidden ^= model.NewStateSet(s)
		m.rebuild()
		return nil, true
	}
	switch {
	case key.Matches(msg, k.Help):
		m.help = &helpScreen{}
	case key.Matches(msg, k.SortMenu):
		m.sortMenu = newSortMenu(&m.c, m.page())
	case key.Matches(msg, k.Filter):
		m.filter, cmd = m.filter.open(m.c.filterText())
	case key.Matches(msg, k.ClearFilter):
		m.setFilter(nil)
		m.rebuild()
	case key.Matches(msg, k.AllStates):
		m.c.hidden = 0
		m.rebuild()
	case key.Matches(msg, k.Kill):
		m.askKill()
	case key.Matches(msg, k.WhatIf) && m.view == viewPorts:
		m.openWhatIf()
	case key.Matches(msg, k.Pause):
		m.loop.paused = !m.loop.paused
		if !m.loop.paused && !m.loop.inflight {
			cmd = m.collect()
		}
	case key.Matches(msg, k.Refresh):
		if !m.loop.inflight {
			cmd = m.collect()
		}
	default:
		return nil, false
	}
	return cmd, true
}

// pageKey hands a key to the view shown: the moving and sorting keys
// every table answers (tableKey), then the view's own, which may open a
// pane over it.
func (m *Model) pageKey(msg tea.KeyPressMsg) tea.Cmd {
	p := m.page()
	if tableKey(&m.c, p, msg) {
		return nil
	}
	o, cmd := p.update(&m.c, msg)
	if o.detail != nil {
		m.detail = o.detail
	}
	if o.findings != nil {
		m.findings = o.findings
	}
	return cmd
}

// wheel scrolls the help screen or the findings pane, when open, or
// moves the shown view's cursor, three lines a turn of the mouse wheel.
func (m *Model) wheel(msg tea.MouseWheelMsg) {
	d := 0
	switch msg.Button {
	case tea.MouseWheelUp:
		d = -3
	case tea.MouseWheelDown:
		d = 3
	default:
		return
	}
	switch {
	case m.help != nil:
		m.help = m.help.scroll(&m.c, d)
		return
	case m.findings != nil:
		m.findings = m.findings.scroll(&m.c, m.advisor(), d)
		return
	}
	move(&m.c, m.page(), d)
}
