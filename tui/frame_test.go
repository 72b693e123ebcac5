package tui

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/conntab/conntab/model"
)

// TestPrivilegeNoticeWhole: the title's notice about processes that could
// not be inspected is never cut: on the title line when it fits there,
// else on lines of its own, and the table under it keeps its rows on
// screen.
func TestPrivilegeNoticeWhole(t *testing.T) {
	snap := fixture(t0)
	snap.Owners = model.NewOwners(nil, 3) // nobody named: every socket with an inode is unowned
	unowned := snap.Unowned()
	want := itoa(unowned) + " sockets of processes only root may inspect: run as root"
	for _, size := range [][2]int{{200, 60}, {120, 40}, {80, 24}, {40, 10}} {
		m := newTestModel(t, size[0], size[1], testConfig(snap))
		s := screen(m)
		if !strings.Contains(squeeze(s), want) {
			t.Errorf("%dx%d: the notice is not whole:\n%s", size[0], size[1], s)
		}
		checkFits(t, m, size[0], size[1])
		// The cursor's line is on screen: the body shrank with the frame.
		m = keys(t, m, "end")
		if !strings.Contains(screen(m), "UNCONN") {
			t.Errorf("%dx%d: the last row is off screen:\n%s", size[0], size[1], screen(m))
		}
	}
}

// TestPrivilegeNoticeAsRoot (issue 15, item 2): root that could not
// inspect a process is not told to run as root; the notice and the
// Processes view say that even root may not.
func TestPrivilegeNoticeAsRoot(t *testing.T) {
	snap := fixture(t0)
	snap.Owners = model.NewOwners(nil, 3)
	cfg := testConfig(snap)
	cfg.Root = true
	m := newTestModel(t, 200, 60, cfg)
	s := squeeze(screen(m))
	if want := itoa(snap.Unowned()) + " sockets of processes even root may not inspect"; !strings.Contains(s, want) || strings.Contains(s, "run as root") {
		t.Errorf("as root, want %q and no \"run as root\":\n%s", want, screen(m))
	}
	m = keys(t, m, "4")
	if s := squeeze(screen(m)); strings.Contains(s, "run as root") || !strings.Contains(s, "even root may not") {
		t.Errorf("as root, the Processes view:\n%s", screen(m))
	}
}

// TestFilterErrorWhole: an error in the filter being typed, and one in a
// filter that does not compile, wrap onto lines of their own instead of
// being cut at the screen's edge.
func TestFilterErrorWhole(t *testing.T) {
	for _, size := range [][2]int{{120, 40}, {80, 24}, {40, 14}} {
		m := newTestModel(t, size[0], size[1], testConfig(fixture(t0)))
		typing := keys(t, m, "/", "type:frobnicate")
		s := screen(typing)
		if !strings.Contains(squeeze(s), "not, or a parenthesis)") || !strings.Contains(s, "/frobnicate") {
			t.Errorf("%dx%d: the error is cut while typing:\n%s", size[0], size[1], s)
		}
		checkFits(t, typing, size[0], size[1])
		applied := keys(t, m, "/", "type:dport = :nosuchservice", "enter")
		s = screen(applied)
		if !strings.Contains(squeeze(s), "(kept the last good filter)") {
			t.Errorf("%dx%d: the compile error is cut:\n%s", size[0], size[1], s)
		}
		checkFits(t, applied, size[0], size[1])
	}
}

// TestListenersTextGivesWay: columns take no more than their cells need,
// so at 120 columns the Listeners view shows two flags whole, and every
// process keeps its pid, at 80 too, where names are cut.
func TestListenersTextGivesWay(t *testing.T) {
	snap := portsFixture(t0, false)
	// python3 on memcached's port, every interface: EXPOSED and PROGRAM.
	snap.Sockets = append(snap.Sockets, model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateListen,
		Local: netip.MustParseAddrPort("0.0.0.0:11211"), Remote: netip.MustParseAddrPort("0.0.0.0:0"), SendQ: 511, UID: 1000, Inode: 9001, Cookie: 9001})
	owners := []model.Owner{{Inode: 9001, PID: 1479, FD: 5, Comm: "python3"}}
	for i := range snap.Sockets {
		for _, o := range snap.Owners.Of(snap.Sockets[i].Inode) {
			owners = append(owners, o)
		}
	}
	snap.Owners = model.NewOwners(owners, 0)
	for _, c := range []struct {
		w     int
		wants []string
	}{
		{120, []string{"python3/1479", "/950", "/1444", "/1333", "all (IPv4)"}},
		{80, []string{"/1479", "/950", "/1444", "/1333"}},
	} {
		m := listenersModel(t, c.w, 24, testConfig(snap))
		s := screen(m)
		for _, w := range c.wants {
			if !strings.Contains(s, w) {
				t.Errorf("%d columns: %q is not on screen:\n%s", c.w, w, s)
			}
		}
		if l := lineWith(s, "  tcp   0.0.0.0:6379 ", ""); c.w == 120 && !strings.Contains(l, "▲ EXPOSED") {
			t.Errorf("%d columns: redis's flag: %q", c.w, l)
		}
	}
	m := listenersModel(t, 120, 24, testConfig(snap))
	if l := lineWith(screen(m), "  tcp   0.0.0.0:11211 ", ""); !strings.HasSuffix(strings.TrimSpace(l), "▲ EXPOSED, • PROGRAM") {
		t.Errorf("python3's flags are cut: %q\n%s", l, screen(m))
	}
}

// TestTrendsKeepRange: the header's ephemeral range stays at 120 columns
// once the sparklines have grown, as it does at 80: the sparklines
// shorten before the range goes.
func TestTrendsKeepRange(t *testing.T) {
	var snaps []*model.Snapshot
	for i := range 30 {
		snaps = append(snaps, fixture(t0.Add(time.Duration(i)*time.Second)))
	}
	for _, w := range []int{200, 120, 100, 80} {
		m := newTestModel(t, w, 40, testConfig(snaps...))
		for range 29 {
			m = takeSample(t, m)
		}
		lines := strings.Split(screen(m), "\n")
		if !strings.Contains(lines[3], "40000-40199") || !strings.Contains(lines[3], "busiest 10.0.0.9:5432") {
			t.Errorf("%d columns: the trends line lacks the range or the busiest pool: %q", w, lines[3])
		}
		if w >= 120 && !strings.Contains(lines[3], "█") {
			t.Errorf("%d columns: no sparkline: %q", w, lines[3])
		}
	}
}

// TestSmallScreenCounts: at 40x10 the counts of the header and of the
// views read whole or not at all: 295 never shows as 29; the legend says
// it, and the Remote endpoints view when its TIME_WAIT column is kept.
func TestSmallScreenCounts(t *testing.T) {
	snap := fixture(t0)
	for i := range 125 {
		snap.Sockets = append(snap.Sockets, model.Socket{Proto: model.ProtoTCP, Family: model.FamilyInet, State: model.StateTimeWait,
			Local: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.6"), uint16(40000+i)), Remote: netip.MustParseAddrPort("10.0.0.9:5432"), Cookie: uint64(7000 + i)})
	}
	m := newTestModel(t, 120, 40, testConfig(snap))
	for _, v := range []string{"1", "2", "5"} {
		m = keys(t, m, v)
		m = update(t, m, tea.WindowSizeMsg{Width: 40, Height: 10})
		for _, p := range numberProblems(m, 40, 10) {
			t.Errorf("view %s: %s\n%s", v, p, screen(m))
		}
		s := screen(m)
		row := lineWith(s, "  tcp   10.0.0.9:5432", "")
		// The pool's row holds 293 of them: two are on port 40100, where
		// the fixture listens, so the Remote endpoints view counts them
		// inbound, in a row of their own.
		if !wholeNumber(strings.Split(s, "\n")[2], "295") || strings.Contains(s, "TIME_WAIT") && v == "2" && !wholeNumber(row, "293") {
			t.Errorf("view %s: 295 TIME_WAIT sockets are not shown whole:\n%s", v, s)
		}
		m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 40})
	}
}

// TestCutText: where cutText cuts, and where it does not.
func TestCutText(t *testing.T) {
	for _, c := range []struct {
		in   string
		w    int
		want string
	}{
		{"python3/1479", 12, "python3/1479"},
		{"python3/1479", 11, "pytho…/1479"},
		{"python3/1479", 7, "p…/1479"},
		{"python3/1479", 6, "…/1479"},
		{"python3/1479", 5, "pyth…"},
		{"app2server/1200", 9, "app…/1200"},
		{"10.0.0.5:40150", 12, "…"},
		{"▲ TW 84%  • CW 24", 11, "▲ TW 84%  …"},
		{"▲ TW 84%  • CW 24", 9, "▲ TW …"},
		{"keepalive,30.0s,0", 16, "keepalive,30.0s…"},
		{"keepalive,30.0s,0", 13, "keepalive,…"},
		{`\x1b]0;pwned\x07evil`, 14, `\x1b]0;pwned…`},
		{`\x1b[2Jevil/1444`, 10, `\x1b…/1444`},
		{"[2001:db8::99]:50123", 10, "…"},
		{"295", 2, "…"},
	} {
		if got := cutText(c.in, c.w); got != c.want {
			t.Errorf("cutText(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
	}
}
