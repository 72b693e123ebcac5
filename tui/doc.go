// Package tui is the live dashboard, conntab top: a Bubble Tea v2 program
// that shows a host's sockets as they come and go, in five views, with a
// filter, and panes that open over a view for one socket or one finding.
//
// # Use
//
// New(ctx, Config) returns the Model to run with tea.NewProgram. The
// dashboard never reads the kernel itself: Config hands it functions that
// do (Collect for the snapshots, TCPInfo and Process for the detail pane),
// so tui imports model, filter and the analyses, never collect (a test
// runs go list -deps to keep it so). Config also names the host, the
// starting filter, the listener audit's rules, the Styles and the KeyMap;
// what it leaves zero takes a default.
//
// The screen is the header (what is watched, the sockets by state as a
// bar, the trends, the view tabs), a body and a footer (the keys, the
// filter line, or an error). A notice or an error that does not fit its
// line takes lines of its own, and the body gives them up. The body is
// the view shown, or over it the help screen, the sort menu or a pane:
//
//	1 Sockets           every socket, grouped by state; groups fold    socketsView
//	2 Remote endpoints  outbound by endpoint, inbound by client host   remotesView
//	3 Listeners         the listener audit of what the filter selects  listenersView
//	4 Processes         sockets by process, and what each left behind  processesView
//	5 Ports             the ephemeral port pools and their findings    portsView
//	  enter on a socket         its details and its tcp_info           detailPane
//	  enter in views 3 and 5    the findings, with their advice        findingsPane
//	  o or F6                   the columns on screen, to sort by one  sortMenu
//	  ?                         every key, and the legends, scrolled   helpScreen
//
// Press ? in the dashboard for its keys (KeyMap, keys.go).
//
// A table's columns are laid out by what their cells hold (layout.go): a
// number, an address or a pid is never cut, text gives way first, then
// whole columns go; cut text ends in "…", never right after a digit
// (cut.go), and the frame's last guard takes out a number cut before it.
//
// # How it is built
//
// Model is the parent of sub-models, as soft-serve's pkg/ui pages are: it
// holds the sample shown, what it shares with the sub-models (common:
// styles, keys, size, the sample's namespace and its Labeler, the filter
// and its matcher, the selection) and the sub-models themselves: the
// header, the filter line (filterBar), one per view (page) and one per
// pane. Each sub-model has its own update and view, in files of its own;
// the parent only routes messages to them. Update is pure: the kernel is
// read only in commands, off the UI goroutine, and what they read comes
// back as messages. A Sample (package sample) is never changed once taken,
// and neither is the Labeler made for it, nor a pane once shown: an
// earlier Model may still hold them.
//
// One sample, from the tick to the frame:
//
//	tickMsg (every Config.Interval after the last sample arrived)
//	   │  unless paused, or a sample is under way
//	   ▼
//	loop.take ── tea.Cmd, off the UI goroutine ──► sample.Take(ctx, cfg, previous sample)
//	                                                 │  Collect, then the Diff against the
//	                                                 │  previous one, Dests, the ports report,
//	                                                 │  the listener audit (Config.Rules)
//	   ┌─────────────────────────────────────────────┘
//	   ▼
//	sampleMsg ──► Update ──► install
//	                          │  common.net = the sample's namespace, now = when it was taken
//	                          │  common.labels = a new Labeler for this sample; the filter
//	                          │  compiled against it; the header's history takes the counts
//	                          ▼
//	                       rebuild
//	                          │  socketsView.rebuild: filter and state toggles select the
//	                          │  sockets (common.sel), grouped by state, sorted unless folded
//	                          │  the aggregate views drop their grids; the shown one remakes
//	                          │  its own from common.sel (page.refresh), cursor kept on its row
//	                          ▼
//	                       the next tickMsg, and an open detail pane asks the kernel again
//	                          ▼
//	View ──► header + the body of what is open (help, pane, or page.view under the
//	         sort menu) + footer
//
// One key press, from the terminal to the sub-model that answers it:
//
//	tea.KeyPressMsg ──► Update ──► Model.key, matching through the KeyMap only:
//	   alt+key that nothing binds    esc, then key (esc then q typed quickly quits);
//	                                 the filter line keeps its own (alt+b a word back)
//	   ForceQuit                     quit, whatever is open
//	   filter line open              filterBar.update: Apply ──► setFilter, rebuild
//	                                                   Cancel, or text for the line
//	   Quit                          quit
//	   help screen open              helpScreen.update: scroll, or close
//	   sort menu open                sortMenu.update: move, sort, reverse, or close
//	   findings pane open            findingsPane.update: scroll, or close
//	   detail pane open              detailPane.update: Refresh ──► a tea.Cmd asks the kernel,
//	                                 its detailMsg comes back to detailPane.answered; or close
//	   the parent's own (ownKey)     views, help, sort menu, filter, state toggles, Pause, Refresh
//	   the rest (pageKey)            the page shown: tableKey (move, sort by a column on
//	                                 screen), then page.update (fold, enter), which may
//	                                 open a pane over the page
//
// The mouse wheel scrolls the help screen or the findings pane, or moves
// the shown page's cursor. A window size message resizes common; after
// every message the parent fits the frame (Model.fit) and keeps the
// cursor on screen.
//
// # Files
//
// model.go is the parent and its routing; common.go what it shares;
// sampling.go the sampling loop; keys.go the KeyMap; table.go the page
// interface and the table state every view has; layout.go and cut.go how
// a table's columns share the width and how text is cut; header.go,
// footer.go and filterbar.go the frame around a view; help.go and
// sortmenu.go the help screen and the sort menu. Each view has a file of
// its own (sockets*.go over sockrows.go and columns.go; remotes.go, listeners.go,
// processes.go, ports*.go over grid.go), and so does each pane
// (detail*.go, findings.go, with advice.go drawing a finding and what to
// do). styles.go holds the Styles, history.go the header's trends.
//
// # Tests
//
// The dashboard is tested by sending messages to the Model, by teatest
// golden screens at 120x40 and 80x24 (testdata/TestGolden, refreshed with
// go test ./tui -update), by drawing every screen at sizes from 40x10 to
// 215x60 on the golden fixture and a hostile one, looking for a cut
// number (TestNoNumberCut), and, in package main, in tmux as a person
// would use it (TestDashboardInTmux, TestDashboardLayoutInTmux at 80x24,
// 120x40 and 200x60).
package tui
