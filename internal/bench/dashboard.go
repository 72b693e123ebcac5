//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The dashboard mode (-dashboard D) measures `conntab top -i 1s` on the
// fixture, as issue 5 asks: the CPU it uses in steady state, from
// /proc/PID/stat, and its resident set, from /proc/PID/status, once a
// second for D.
const (
	dashWidth, dashHeight = 120, 40
	dashInterval          = "1s"
	// dashSettle is how long the dashboard runs on the full fixture
	// before the window starts.
	dashSettle = 10 * time.Second
)

// dashOptions are the -dashboard mode's flags.
type dashOptions struct {
	window time.Duration
	// samples, if set, is a file to write every sample to, as CSV.
	samples string
}

// dashSample is one reading, taken once a second.
type dashSample struct {
	at      time.Time
	conntab procTimes
	rssKiB  int64
	// tmux is the tmux server's CPU time: the terminal's side of drawing.
	tmux    procTimes
	machine cpuTimes
	// host is read at the window's first and last sample and once a
	// minute between; zero otherwise.
	host hostFDs
}

// span is a stretch of time, such as one TIME_WAIT renewal.
type span struct{ start, end time.Time }

// dashRun is what one run measured.
type dashRun struct {
	window      time.Duration
	samplesFile string // -samples
	clkTck      int
	bin, cmd    string
	pid         int
	term        string
	// firstFrame is from the session's start to the first drawn sample.
	firstFrame time.Duration
	samples    []dashSample
	// hwmKiB is VmHWM, the peak resident set of the process's life, read
	// at the window's end.
	hwmKiB int64
	// renewals are the TIME_WAIT batches remade while the dashboard ran.
	renewals []span
	// The socket count in the dashboard's header, and its legend line, at
	// the window's start and end.
	totalStart, totalEnd   int
	legendStart, legendEnd string
	// countsStart is the fixture when the window starts; countsEnd after
	// it, with the batch's age.
	countsStart, countsEnd counts
	ageEnd                 time.Duration
	// Load averages (1, 5, 15 min) before the fixture was made and at the
	// window's start and end.
	loadBefore, loadStart, loadEnd string
	// ss is `ss -tan` run once in the namespace after the window, its
	// lines counted as | wc -l would.
	ss    spawnResult
	ssErr error
}

// measureDashboard is the -dashboard mode.
func measureDashboard(ctx context.Context, cfg config, opt dashOptions, stdout, log io.Writer) (err error) {
	window := opt.window
	if os.Geteuid() != 0 {
		return errors.New("needs root to create a network namespace: run as root")
	}
	if cfg.hold > 0 {
		return errors.New("-dashboard and -hold: choose one")
	}
	if window < 5*time.Second {
		return fmt.Errorf("-dashboard %v: want at least 5s", window)
	}
	if need := window + 5*time.Minute; cfg.timeout < need {
		return fmt.Errorf("-dashboard %v needs -timeout %v at least", window, need)
	}
	tmuxPath, err := exec.LookPath("tmux")
	if err != nil {
		return fmt.Errorf("the dashboard runs in tmux: %w", err)
	}
	nsenter, err := exec.LookPath("nsenter")
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "conntab-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	r := &dashRun{window: window, samplesFile: opt.samples, clkTck: clockTicks(), loadBefore: loadAvgs()}
	m := machineInfo{loadStart: loadAvg()}
	if l, err := strconv.ParseFloat(m.loadStart, 64); err == nil && l >= 0.5 {
		fmt.Fprintf(log, "warning: load average %s: other work on this machine will show in the figures\n", m.loadStart)
	}
	r.bin = filepath.Join(tmp, "conntab")
	if m.revision, err = buildConntab(ctx, cfg.repo, r.bin); err != nil {
		return err
	}

	fmt.Fprintf(log, "filling a namespace: %d connections, %d UDP sockets over %d holders\n", cfg.conns, cfg.udp, cfg.holders)
	f, err := newFixture(ctx, cfg, true, log)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.close(); cerr != nil && err == nil {
			err = cerr
		}
	}()

	tm := &tmuxServer{path: tmuxPath, socket: fmt.Sprintf("conntab-bench-%d", os.Getpid()), session: "dashboard"}
	r.cmd = fmt.Sprintf("%s --net=%s %s top -i %s", nsenter, f.ns.Path(), r.bin, dashInterval)
	started := time.Now()
	if err := tm.start(ctx, dashWidth, dashHeight, r.cmd); err != nil {
		return err
	}
	defer tm.kill()
	if r.pid, err = dashboardPID(ctx, tm); err != nil {
		return err
	}
	r.term = procEnv(r.pid, "TERM")
	tmuxPID, err := strconv.Atoi(mustFormat(ctx, tm, "#{pid}"))
	if err != nil {
		return fmt.Errorf("tmux server's pid: %w", err)
	}
	fmt.Fprintf(log, "dashboard running as pid %d in tmux (server pid %d, TERM=%s)\n", r.pid, tmuxPID, r.term)
	if _, err := waitScreen(ctx, tm, time.Minute, "the first frame", func(s string) bool {
		n, _, ok := screenTotal(s)
		return strings.Contains(s, "1 Sockets") && ok && n > 0
	}); err != nil {
		return err
	}
	r.firstFrame = time.Since(started)
	fmt.Fprintf(log, "first frame after %v\n", r.firstFrame.Round(time.Millisecond))

	// The TIME_WAIT batch is made once the dashboard draws, so that the
	// settling time and a short window fit in one batch's life.
	if err := f.makeTimeWait(ctx, cfg.timeWait); err != nil {
		return err
	}
	var mu sync.Mutex // f, between the renewer and the measurements
	renewCtx, stopRenew := context.WithCancel(ctx)
	renewDone := make(chan error, 1)
	go func() { renewDone <- renewTimeWait(renewCtx, ctx, cfg, f, &mu, &r.renewals, log) }()
	stopRenewing := func() error {
		if stopRenew == nil {
			return nil
		}
		stopRenew()
		stopRenew = nil
		return <-renewDone
	}
	defer stopRenewing()

	mu.Lock()
	r.countsStart, err = f.counts()
	mu.Unlock()
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "fixture: %s\nsettling for %v\n", r.countsStart.summary(), dashSettle)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(dashSettle):
	}

	s, err := tm.capture(ctx)
	if err != nil {
		return err
	}
	r.totalStart, r.legendStart, _ = screenTotal(s)
	r.loadStart = loadAvgs()
	fmt.Fprintf(log, "window of %v starts; the header says: %s\n", window, r.legendStart)
	r.samples, err = sampleDashboard(ctx, r.pid, tmuxPID, window, r.clkTck, log)
	if err != nil {
		if s, cerr := tm.capture(ctx); cerr == nil {
			err = fmt.Errorf("%w; the screen:\n%s", err, s)
		}
		return err
	}
	r.loadEnd = loadAvgs()
	if s, err = tm.capture(ctx); err != nil {
		return err
	}
	r.totalEnd, r.legendEnd, _ = screenTotal(s)
	if st, err := readStatus(r.pid); err == nil {
		r.hwmKiB = st["VmHWM"]
	}
	fmt.Fprintf(log, "window ends; the header says: %s\n", r.legendEnd)

	if err := quitDashboard(ctx, tm, r.pid, log); err != nil {
		return err
	}
	// The renewer keeps the batch alive; it waits for a renewal under way.
	mu.Lock()
	r.countsEnd, err = f.counts()
	r.ageEnd = time.Since(f.twMade)
	if err == nil {
		r.ss, r.ssErr = f.runIn(ctx, spawnRequest{Argv: []string{ssPath(), "-tan"}, Count: true})
	}
	mu.Unlock()
	if err != nil {
		return err
	}
	if err := stopRenewing(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	m.describe()
	if opt.samples != "" {
		if err := writeSamplesFile(opt.samples, r); err != nil {
			return err
		}
	}
	return writeDashReport(stdout, cfg, m, r)
}

// renewTimeWait remakes the TIME_WAIT batch every cfg.window, as -hold
// does (ss -K, then a new batch), until stop is done; a renewal under way
// finishes under ctx.
func renewTimeWait(stop, ctx context.Context, cfg config, f *fixture, mu *sync.Mutex, renewals *[]span, log io.Writer) error {
	for {
		mu.Lock()
		due := f.twMade.Add(cfg.window)
		mu.Unlock()
		select {
		case <-stop.Done():
			return stop.Err()
		case <-time.After(time.Until(due)):
		}
		mu.Lock()
		start := time.Now()
		err := f.makeTimeWait(ctx, cfg.timeWait)
		*renewals = append(*renewals, span{start, time.Now()})
		mu.Unlock()
		if err != nil {
			return fmt.Errorf("renewing TIME_WAIT: %w", err)
		}
		fmt.Fprintf(log, "TIME_WAIT renewed in %v\n", time.Since(start).Round(time.Millisecond))
	}
}

// dashboardPID waits for the pane's process to be conntab: nsenter
// execs it in place.
func dashboardPID(ctx context.Context, tm *tmuxServer) (int, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := tm.format(ctx, "#{pane_pid}")
		if err != nil {
			return 0, err
		}
		pid, err := strconv.Atoi(out)
		if err != nil {
			return 0, fmt.Errorf("tmux pane_pid %q: %w", out, err)
		}
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if strings.TrimSpace(string(comm)) == "conntab" {
			return pid, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("the pane's process %d is %q, not conntab, after 10 s", pid, strings.TrimSpace(string(comm)))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mustFormat(ctx context.Context, tm *tmuxServer, f string) string {
	out, _ := tm.format(ctx, f)
	return out
}

// waitScreen polls the pane until ok accepts its screen; a dead pane is
// an error showing the last screen.
func waitScreen(ctx context.Context, tm *tmuxServer, timeout time.Duration, what string, ok func(string) bool) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		s, err := tm.capture(ctx)
		if err != nil {
			return "", err
		}
		if ok(s) {
			return s, nil
		}
		if dead := mustFormat(ctx, tm, "#{pane_dead} #{pane_dead_status}"); strings.HasPrefix(dead, "1") {
			return s, fmt.Errorf("waiting for %s: the dashboard exited (status %s); the screen:\n%s", what, strings.TrimPrefix(dead, "1 "), s)
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("waiting for %s: not there after %v; the screen:\n%s", what, timeout, s)
		}
		select {
		case <-ctx.Done():
			return s, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// quitDashboard presses q and waits for conntab to exit with status 0.
//
// It watches the process, not the pane: tmux (3.3, with libutempter)
// resets SIGCHLD to the default while its utmp helper runs as the pane
// closes, so a dashboard exiting then stays a zombie that tmux never
// reaps, and the pane never learns its status. A zombie's stat still has
// it.
func quitDashboard(ctx context.Context, tm *tmuxServer, pid int, log io.Writer) error {
	if err := tm.sendKeys(ctx, "q"); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		code := -1
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			// Reaped by tmux, which then knows the status.
			dead := strings.Fields(mustFormat(ctx, tm, "#{pane_dead} #{pane_dead_status}"))
			if len(dead) == 2 && dead[0] == "1" {
				code, _ = strconv.Atoi(dead[1])
				code <<= 8
			}
		} else if t, err := parseProcStat(b); err == nil && t.state == 'Z' {
			code = t.exitCode
		}
		switch {
		case code == 0:
			fmt.Fprintln(log, "the dashboard quit on q")
			return nil
		case code > 0:
			return fmt.Errorf("after q, the dashboard ended with wait status %#x", code)
		case time.Now().After(deadline):
			return errors.New("the dashboard has not quit 10 s after q")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sampleDashboard reads the process's CPU time and resident set, the tmux
// server's CPU time and the machine's, once a second for window.
func sampleDashboard(ctx context.Context, pid, tmuxPID int, window time.Duration, clkTck int, log io.Writer) ([]dashSample, error) {
	n := int(window / time.Second)
	out := make([]dashSample, 0, n+1)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		s, err := readDashSample(pid, tmuxPID)
		if err != nil {
			return out, fmt.Errorf("sample %d: %w", len(out), err)
		}
		if k := len(out); k%60 == 0 || k == n {
			s.host = readHostFDs()
		}
		out = append(out, s)
		if len(out) == n+1 {
			return out, nil
		}
		if k := len(out) - 1; k > 0 && k%60 == 0 {
			fmt.Fprintf(log, "%d s: %.1f%% of one core over the last minute, RSS %s; host: %d processes, %d descriptors\n",
				k, cpuPercent(out[k-60], out[k], clkTck), mib(s.rssKiB), s.host.procs, s.host.fds)
		}
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-tick.C:
		}
	}
}

func readDashSample(pid, tmuxPID int) (dashSample, error) {
	s := dashSample{at: time.Now()}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, fmt.Errorf("the dashboard: %w", err)
	}
	if s.conntab, err = parseProcStat(b); err != nil {
		return s, err
	}
	st, err := readStatus(pid)
	if err != nil {
		return s, err
	}
	s.rssKiB = st["VmRSS"]
	if b, err = os.ReadFile(fmt.Sprintf("/proc/%d/stat", tmuxPID)); err != nil {
		return s, fmt.Errorf("the tmux server: %w", err)
	}
	if s.tmux, err = parseProcStat(b); err != nil {
		return s, err
	}
	if b, err = os.ReadFile("/proc/stat"); err != nil {
		return s, err
	}
	s.machine, err = parseCPUStat(b)
	return s, err
}

func readStatus(pid int) (map[string]int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseStatusKiB(f, "VmRSS", "VmHWM")
}

// clockTicks is sysconf(_SC_CLK_TCK), as the kernel gave it to this
// process; 100, Linux's USER_HZ, if it cannot be read.
func clockTicks() int {
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 100
	}
	n, err := parseAuxvClockTicks(b, strconv.IntSize/8)
	if err != nil {
		return 100
	}
	return n
}

// procEnv is one variable of a process's environment, or "?".
func procEnv(pid int, name string) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return "?"
	}
	for _, kv := range strings.Split(string(b), "\x00") {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return "(unset)"
}

// loadAvgs is /proc/loadavg's 1, 5 and 15 minute figures.
func loadAvgs() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], ", ")
}

func ssPath() string {
	if p, err := exec.LookPath("ss"); err == nil {
		return p
	}
	return "ss"
}
