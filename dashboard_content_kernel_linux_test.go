package main

import (
	"bufio"
	"bytes"
	"io"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/tui"
)

// dashboard runs conntab top on the namespace at path, w x h, sampling
// once an hour: what it shows is the first sample, and what keys ask.
func dashboard(t *testing.T, path string, w, h int) *teatest.TestModel {
	t.Helper()
	cfg, err := dashboardConfig(t.Context(), &cli.TopOptions{NetNS: path, Interval: time.Hour}, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, tui.New(t.Context(), cfg), teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	waitFor(t, tm, "total ")
	return tm
}

// waitFor waits until the dashboard has drawn text (escapes aside).
func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains([]byte(ansi.Strip(string(b))), []byte(text))
	}, teatest.WithDuration(10*time.Second))
}

// frame quits the dashboard and returns its last frame as plain text.
func frame(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	m := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
	return ansi.Strip(m.View().Content)
}

func press(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		switch k {
		case "enter":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		case "down":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyDown})
		default:
			tm.Send(tea.KeyPressMsg{Code: []rune(k)[0], Text: k})
		}
	}
}

// TestDashboardBusiestPool is issue 15's item 4: the header named as
// busiest the pool with the most ports in use, 123 TIME_WAIT sockets that
// tcp_tw_reuse lets connect() take over ("123/300 0%"), while another
// pool had 6% of its ports taken. Busiest is the highest utilisation.
func TestDashboardBusiestPool(t *testing.T) {
	p := newPortsNS(t, "net.ipv4.ip_local_port_range", "40000 40299", "net.ipv4.tcp_tw_reuse", "2", "net.ipv4.tcp_timestamps", "1")
	db, cache := netip.MustParseAddrPort("127.0.0.1:5432"), netip.MustParseAddrPort("127.0.0.1:6379")
	p.serve(db.String())
	p.serve(cache.String())
	p.timeWait(123, db)
	p.hold(18, cache, netip.Addr{})

	tm := dashboard(t, p.ns.Path(), 160, 30)
	s := frame(t, tm)
	if !strings.Contains(s, "busiest 127.0.0.1:6379 18/300 6%") {
		t.Errorf("header: want the cache's pool, 18 of 300 ports taken, as the busiest:\n%s", s)
	}
}

// TestDashboardListenerTCPInfo is issue 15's item 12: enter on a LISTEN
// socket showed tcp_info's zeros (rto 0ms, mss 0, last sent 0ms ago) as
// if they were figures. A listener's pane shows what the kernel fills in
// for it, and says the rest belongs to connections.
func TestDashboardListenerTCPInfo(t *testing.T) {
	p := newPortsNS(t)
	p.serve("127.0.0.1:5432")
	tm := dashboard(t, p.ns.Path(), 120, 30)
	press(tm, "down", "enter")
	waitFor(t, tm, "asked at")
	s := frame(t, tm)
	for _, want := range []string{"LISTEN", "accept queue 0 waiting, backlog 4096", "new connections: cc ", "n/a for a listener"} {
		if !strings.Contains(s, want) {
			t.Errorf("detail pane lacks %q:\n%s", want, s)
		}
	}
	for _, zero := range []string{"rto 0ms", "mss 0", "last sent 0ms ago", "rtt 0ms"} {
		if strings.Contains(s, zero) {
			t.Errorf("detail pane shows %q for a listener:\n%s", zero, s)
		}
	}
}

// TestDashboardRemotesInbound is issue 15's Remote endpoints view at 20k
// sockets: a row per client port of every connection a server accepted
// (9,900 rows of one socket each). 40 connections over loopback to a
// listener are now two rows: the client's side, outbound to
// 127.0.0.1:5432, and the server's, inbound from 127.0.0.1 to :5432.
func TestDashboardRemotesInbound(t *testing.T) {
	p := newPortsNS(t)
	db := netip.MustParseAddrPort("127.0.0.1:5432")
	p.serve(db.String())
	p.hold(40, db, netip.Addr{})
	tm := dashboard(t, p.ns.Path(), 120, 30)
	press(tm, "2")
	waitFor(t, tm, "127.0.0.1 → :5432")
	s := frame(t, tm)
	var rows []string
	for _, line := range strings.Split(s, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "tcp" {
			rows = append(rows, strings.Join(f, " "))
		}
	}
	slices.Sort(rows)
	want := []string{
		"tcp 127.0.0.1 → :5432 postgresql 40 40 0 0 0 0% -",
		"tcp 127.0.0.1:5432 postgresql 40 40 0 0 0 0% 40/200",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("Remote endpoints rows:\n%s\nwant:\n%s\nscreen:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"), s)
	}
}

// TestDashboardProcessesFormer: a process (bash, in the namespace) holds
// two connections in one sample and has closed them, first, by the next:
// the Processes view credits their TIME_WAIT sockets to it, from the
// owners the collector remembers, and no TIME_WAIT is left to no known
// process.
func TestDashboardProcessesFormer(t *testing.T) {
	p := newPortsNS(t)
	p.serve("127.0.0.1:5432")
	sh := p.ns.Command("bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/5432 4<>/dev/tcp/127.0.0.1/5432; echo ready; read; exec 3>&- 4>&-; echo closed; read`)
	in, err := sh.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sh.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		in.Close()
		sh.Wait()
	}()
	said := bufio.NewReader(out)
	expect := func(want string) {
		t.Helper()
		if line, err := said.ReadString('\n'); err != nil || line != want+"\n" {
			t.Fatalf("bash said %q, %v; want %q", line, err, want)
		}
	}
	expect("ready")
	tm := dashboard(t, p.ns.Path(), 120, 30) // the first sample: bash holds both
	io.WriteString(in, "\n")
	expect("closed")
	for len(p.timeWaits()) < 2 {
		time.Sleep(20 * time.Millisecond)
	}
	press(tm, "4", "r")
	// The first sample's frame shows bash too: wait for the refreshed
	// one, which counts the two TIME_WAIT sockets.
	waitFor(t, tm, "TIME_WAIT 2")
	s := frame(t, tm)
	var row string
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, " bash ") {
			row = strings.Join(strings.Fields(line), " ")
		}
	}
	// PID, Process, Total, ESTAB, LISTEN, CLOSE_WAIT, Other, UDP, was: TIME_WAIT.
	if !strings.HasSuffix(row, " bash 0 0 0 0 0 0 2") || strings.Contains(s, "no known process") {
		t.Errorf("bash's row %q: want its 2 TIME_WAIT sockets credited to it, none to no known process:\n%s", row, s)
	}
}

// timeWaits are the namespace's TIME_WAIT sockets.
func (p *portsNS) timeWaits() []model.Socket {
	var tw []model.Socket
	for _, s := range p.snapshot().Sockets {
		if s.State == model.StateTimeWait {
			tw = append(tw, s)
		}
	}
	return tw
}
