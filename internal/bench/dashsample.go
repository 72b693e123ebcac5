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
// drawing it, and whatever the pause costs). Only samples taken wholly
// while a TIME_WAIT batch was complete count: the harness pauses the
// dashboard (its space key), makes a batch, resumes it, lets it draw
// once, counts the samples drawn after that until the batch's -window
// ends, then pauses it and makes the next batch, for at most dashBatches
// batches. The first sample, which walks every process's
// descriptors, is never counted: a full walk comes every 60th sample.
const (
	// dashSamples is how many samples are counted, at most.
	dashSamples = 10
	// dashBatches is how many TIME_WAIT batches they may take.
	dashBatches = 3
	// dashPoll is how often the screen is captured.
	dashPoll = 150 * time.Millisecond
)

// dashCost is what one dashboard sample cost.
type dashCost struct {
	samples, batches int
	// cpu is the CPU time (user+sys) per sample; period the time from
	// one sample drawn to the next, the 1-s pause included.
	cpu, period time.Duration
	// rss is the largest VmRSS when a counted sample was drawn, hwm
	// VmHWM, the peak of the process's life, at the end (KiB).
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
	tm := &tmuxServer{path: tmuxPath, socket: fmt.Sprintf("conntab-bench-%d-sample", os.Getpid()), session: "dashboard"}
	if err := tm.start(ctx, dashWidth, dashHeight, fmt.Sprintf("%s --net=%s %s top -i %s", nsenter, f.ns.Path(), bin, dashInterval)); err != nil {
		return dashCost{skip: oneLine(err)}
	}
	defer tm.kill()
	w := &dashWatch{tm: tm, clk: clockTicks()}
	c, err := w.count(ctx, cfg, f)
	if err != nil {
		return dashCost{skip: oneLine(err)}
	}
	fmt.Fprintf(log, "dashboard: %d samples over %d TIME_WAIT batches, %v CPU each, one every %v, VmRSS up to %s, VmHWM %s\n",
		c.samples, c.batches, c.cpu.Round(time.Millisecond), c.period.Round(time.Millisecond), mib(c.rss), mib(c.hwm))
	return c
}

// dashWatch follows the dashboard's samples.
type dashWatch struct {
	tm    *tmuxServer
	pid   int
	clk   int
	stamp string // the title's clock last seen
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
// process then; ok is false at until.
func (w *dashWatch) next(ctx context.Context, until time.Time) (m dashMark, ok bool, err error) {
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
		if st := titleStamp(s); st != "" && st != w.stamp {
			w.stamp = st
			m, err := w.read()
			return m, err == nil && m.at.Before(until), err
		}
	}
	return m, false, nil
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

// count finds the dashboard's process, waits for its first frame, and
// counts samples over TIME_WAIT batches as the comment at the top says,
// then quits the dashboard.
func (w *dashWatch) count(ctx context.Context, cfg config, f *fixture) (dashCost, error) {
	var c dashCost
	var err error
	if w.pid, err = dashboardPID(ctx, w.tm); err != nil {
		return c, err
	}
	if _, err := waitScreen(ctx, w.tm, 2*time.Minute, "the first frame", func(s string) bool {
		n, _, ok := screenTotal(s)
		return titleStamp(s) != "" && ok && n > 0
	}); err != nil {
		return c, err
	}
	var ticks uint64
	var wall time.Duration
	for c.samples < dashSamples && c.batches < dashBatches {
		// Paused, the dashboard takes no sample (one under way ends), so
		// it leaves the machine to making the batch, and its next sample,
		// once unpaused, starts on the complete batch.
		if err := w.pause(ctx, true); err != nil {
			return c, err
		}
		if err := f.makeTimeWait(ctx, cfg.timeWait); err != nil {
			return c, err
		}
		if err := w.pause(ctx, false); err != nil {
			return c, err
		}
		c.batches++
		deadline := f.twMade.Add(cfg.window)
		s, err := w.tm.capture(ctx)
		if err != nil {
			return c, err
		}
		// The next change is a sample drawn after the batch was made;
		// the sample after it is the first wholly on the batch.
		w.stamp = titleStamp(s)
		prev, ok, err := w.next(ctx, deadline)
		for ok && err == nil && c.samples < dashSamples {
			var m dashMark
			if m, ok, err = w.next(ctx, deadline); ok && err == nil {
				ticks, wall = ticks+m.ticks-prev.ticks, wall+m.at.Sub(prev.at)
				c.samples, c.rss = c.samples+1, max(c.rss, m.rssKiB)
				fmt.Fprintf(f.log, "dashboard sample %d: %v after the one before, %d ticks, VmRSS %s\n",
					c.samples, m.at.Sub(prev.at).Round(time.Millisecond), m.ticks-prev.ticks, mib(m.rssKiB))
				prev = m
			}
		}
		if err != nil {
			return c, err
		}
	}
	if c.samples < 2 {
		return c, fmt.Errorf("only %d samples drawn wholly on a complete TIME_WAIT batch in %d batches", c.samples, c.batches)
	}
	c.cpu = time.Duration(float64(ticks) / float64(w.clk) / float64(c.samples) * float64(time.Second))
	c.period = wall / time.Duration(c.samples)
	if st, err := readStatus(w.pid); err == nil {
		c.hwm = st["VmHWM"]
	}
	return c, quitDashboard(ctx, w.tm, w.pid, io.Discard)
}
