//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// One dashboard sample at a growth size: conntab top -i 1s runs in tmux,
// as -dashboard runs it; the harness watches the clock in its title line,
// which shows each sample's time and so changes with every sample drawn
// (samples are more than a second apart), and reads the process's CPU
// time (/proc/PID/stat) and resident set (/proc/PID/status) each time it
// changes. Between two such changes the process took one sample, drew it
// and paused a second: that CPU time is one sample's cost in steady
// state (collection, the owner walk's cheap pass, installing the sample,
// drawing it, and whatever the pause costs).
//
// Only samples taken wholly on a complete TIME_WAIT batch count, and none
// that saw a batch come or go. For each dashboard the harness makes a first
// batch, starts a dashboard on it, waits for its first frame (the first
// sample walks every process's descriptors; a full walk comes again every
// 60th sample, so it is not counted), pauses it (space: a paused dashboard
// takes no sample), replaces the batch with a fresh one, resumes the
// dashboard, lets it draw once (that sample saw one batch go and the
// other come), and counts the samples drawn after that until the fresh
// batch is dashWindow old. Then it quits the dashboard and starts over,
// for at most dashRuns dashboards: a dashboard kept across more batches
// would count samples that carry the sockets of two gone batches (at a
// million sockets such a sample took 25 s where a steady one took 9),
// and one started on the namespace without TIME_WAIT took 15 to 23 s over
// the sample that saw the batch come, and longer than the batch's life
// left over the next.
const (
	// dashSamples is how many samples are counted, at most.
	dashSamples = 10
	// dashRuns is how many dashboards they may take.
	dashRuns = 4
	// dashWindow is how long after a batch was begun a counted sample
	// may end: TIME_WAIT lasts 60 s. Samples are few and long at a
	// million sockets (9 s each on the loaded 2-CPU VM), so this is
	// longer than -window.
	dashWindow = 55 * time.Second
	// dashPoll is how often the screen is captured; a sample is seen
	// drawn within two of them, well inside the 1-s pause that follows.
	dashPoll = 100 * time.Millisecond
)

// dashCost is what one dashboard sample cost.
type dashCost struct {
	samples, runs int
	// cpu is the CPU time (user+sys) per sample; period the time from
	// one sample drawn to the next, the 1-s pause included.
	cpu, period time.Duration
	// rss is the largest VmRSS when a counted sample was drawn, hwm the
	// largest VmHWM, the peak of a dashboard's life, as it quit (KiB).
	rss, hwm int64
	// skip, when set, says why nothing was measured.
	skip string
}

// titleClock matches the sample's time in the title line, with its
// duration when the line has room: "14:51:02 (812ms)".
var titleClock = regexp.MustCompile(`\b[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\b( \([^)]*\))?`)

// titleStamp is the sample clock of the dashboard's title, its first
// line; "" when the screen shows none.
func titleStamp(screen string) string {
	first, _, _ := strings.Cut(screen, "\n")
	if !strings.Contains(first, "conntab") {
		return ""
	}
	return titleClock.FindString(first)
}

// measureDashSample measures one sample of the dashboard on f; a failure
// is reported in dashCost.skip, so that the rest of the growth table
// stands.
func measureDashSample(ctx context.Context, cfg config, f *fixture, bin string, log io.Writer) dashCost {
	tmuxPath, err := exec.LookPath("tmux")
	if err != nil {
		return dashCost{skip: "no tmux: " + oneLine(err)}
	}
	nsenter, err := exec.LookPath("nsenter")
	if err != nil {
		return dashCost{skip: "no nsenter: " + oneLine(err)}
	}
	command := fmt.Sprintf("%s --net=%s %s top -i %s", nsenter, f.ns.Path(), bin, dashInterval)
	var c dashCost
	var ticks uint64
	var wall time.Duration
	for c.samples < dashSamples && c.runs < dashRuns {
		// The batch the dashboard starts on, and the one it is measured
		// on, made while it is paused.
		if err := f.makeTimeWait(ctx, cfg.timeWait); err != nil {
			return dashCost{skip: "TIME_WAIT batch: " + oneLine(err)}
		}
		c.runs++
		tm := &tmuxServer{path: tmuxPath, socket: fmt.Sprintf("conntab-bench-%d-sample-%d", os.Getpid(), c.runs), session: "dashboard"}
		if err := tm.start(ctx, dashWidth, dashHeight, command); err != nil {
			return dashCost{skip: oneLine(err)}
		}
		w := &dashWatch{tm: tm, clk: clockTicks(), log: log, run: c.runs}
		err := w.count(ctx, cfg, f, &c, &ticks, &wall)
		tm.kill()
		if err != nil {
			return dashCost{skip: oneLine(err)}
		}
	}
	if c.samples == 0 {
		return dashCost{skip: fmt.Sprintf("no sample drawn wholly on a TIME_WAIT batch younger than %v, in %d dashboards",
			dashWindow, c.runs)}
	}
	c.cpu = time.Duration(float64(ticks) / float64(clockTicks()) / float64(c.samples) * float64(time.Second))
	c.period = wall / time.Duration(c.samples)
	fmt.Fprintf(log, "dashboard: %d samples over %d dashboards, %v CPU each, one every %v, VmRSS up to %s, VmHWM up to %s\n",
		c.samples, c.runs, c.cpu.Round(time.Millisecond), c.period.Round(time.Millisecond), mib(c.rss), mib(c.hwm))
	return c
}

// dashWatch follows one dashboard's samples.
type dashWatch struct {
	tm    *tmuxServer
	pid   int
	clk   int
	stamp string // the title's clock last seen
	log   io.Writer
	run   int // which dashboard, from 1
}

// dashMark is the process as a sample was seen drawn.
type dashMark struct {
	at     time.Time
	ticks  uint64
	rssKiB int64
}

func (w *dashWatch) read() (dashMark, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(w.pid) + "/stat")
	if err != nil {
		return dashMark{}, err
	}
	t, err := parseProcStat(b)
	if err != nil {
		return dashMark{}, err
	}
	st, err := readStatus(w.pid)
	return dashMark{time.Now(), t.ticks, st["VmRSS"]}, err
}

// next waits until the title's clock changes, or until, and returns the
// process then; ok is false at until. A new clock counts once two
// captures in a row show it: tmux may capture a line half redrawn (the
// new time beside the old duration), which the next capture corrects.
func (w *dashWatch) next(ctx context.Context, until time.Time) (m dashMark, ok bool, err error) {
	pending := ""
	for time.Now().Before(until) {
		select {
		case <-ctx.Done():
			return m, false, ctx.Err()
		case <-time.After(dashPoll):
		}
		s, err := w.tm.capture(ctx)
		if err != nil {
			return m, false, err
		}
		st := titleStamp(s)
		switch {
		case st == "" || st == w.stamp:
			pending = ""
		case st != pending:
			pending = st
		default:
			w.stamp = st
			m, err := w.read()
			return m, err == nil && m.at.Before(until), err
		}
	}
	return m, false, nil
}

// count finds the dashboard's process, waits for its first frame, pauses
// it, makes a TIME_WAIT batch, resumes it, adds the samples drawn after
// the first that follows until the batch is dashWindow old to c, ticks and
// wall, and quits the dashboard.
func (w *dashWatch) count(ctx context.Context, cfg config, f *fixture, c *dashCost, ticks *uint64, wall *time.Duration) error {
	started := time.Now()
	var err error
	if w.pid, err = dashboardPID(ctx, w.tm); err != nil {
		return err
	}
	if _, err := waitScreen(ctx, w.tm, 5*time.Minute, "the first frame", func(s string) bool {
		n, _, ok := screenTotal(s)
		return titleStamp(s) != "" && ok && n > 0
	}); err != nil {
		return err
	}
	fmt.Fprintf(w.log, "dashboard %d: first frame %v after it started\n", w.run, time.Since(started).Round(time.Millisecond))
	if err := w.pause(ctx, true); err != nil {
		return err
	}
	if err := f.makeTimeWait(ctx, cfg.timeWait); err != nil {
		return err
	}
	deadline := f.twMade.Add(dashWindow)
	if err := w.pause(ctx, false); err != nil {
		return err
	}
	s, err := w.tm.capture(ctx)
	if err != nil {
		return err
	}
	w.stamp = titleStamp(s)
	prev, ok, err := w.next(ctx, deadline)
	if ok {
		fmt.Fprintf(w.log, "dashboard %d: the sample that saw the batch come drawn %v after it was begun (not counted)\n",
			w.run, prev.at.Sub(f.twMade).Round(time.Millisecond))
	}
	for ok && err == nil && c.samples < dashSamples {
		var m dashMark
		if m, ok, err = w.next(ctx, deadline); !ok || err != nil {
			break
		}
		*ticks, *wall = *ticks+m.ticks-prev.ticks, *wall+m.at.Sub(prev.at)
		c.samples, c.rss = c.samples+1, max(c.rss, m.rssKiB)
		fmt.Fprintf(w.log, "dashboard %d: sample %d, %v after the one before, %d ticks, VmRSS %s\n",
			w.run, c.samples, m.at.Sub(prev.at).Round(time.Millisecond), m.ticks-prev.ticks, mib(m.rssKiB))
		prev = m
	}
	if err != nil {
		return err
	}
	if st, err := readStatus(w.pid); err == nil {
		c.hwm = max(c.hwm, st["VmHWM"])
	}
	return quitDashboard(ctx, w.tm, w.pid, io.Discard)
}

// pause presses space, the dashboard's pause key, and waits for its
// title to say PAUSED (on) or no longer (off).
func (w *dashWatch) pause(ctx context.Context, on bool) error {
	if err := w.tm.sendKeys(ctx, "Space"); err != nil {
		return err
	}
	what := map[bool]string{true: "the dashboard to pause", false: "the dashboard to resume"}[on]
	_, err := waitScreen(ctx, w.tm, time.Minute, what, func(s string) bool {
		first, _, _ := strings.Cut(s, "\n")
		return strings.Contains(first, "PAUSED") == on
	})
	return err
}
