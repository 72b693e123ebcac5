//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// spawnArg runs the spawner: a small process inside the namespace that
// runs the measured commands one at a time, from one locked OS thread,
// and reports wall time, CPU time and peak RSS (see tracedRun).
const spawnArg = "-spawn"

// spawnRequest is one line on the spawner's stdin.
type spawnRequest struct {
	Argv []string `json:"argv"`
	// Count makes the spawner count the output's lines instead of sending
	// it to /dev/null.
	Count bool `json:"count,omitempty"`
	// GNUTime, if set, is GNU time(1), run around the command to read its
	// peak RSS another way: time forks a copy of itself, whose resident
	// set is about 1 MiB, and reads wait4's ru_maxrss.
	GNUTime string `json:"gnutime,omitempty"`
	// CPU, if set, pins this command to that CPU alone.
	CPU *int `json:"cpu,omitempty"`
}

// spawnResult is one line on its stdout.
type spawnResult struct {
	Wall   time.Duration `json:"wall"`
	MaxRSS int64         `json:"maxrss"` // KiB, ru_maxrss
	// HWM is VmHWM at the command's exit, in KiB, for a timed (traced)
	// run.
	HWM int64 `json:"hwm,omitempty"`
	// User and Sys are the command's CPU time in user space and in the
	// kernel, from wait4's rusage.
	User time.Duration `json:"user"`
	Sys  time.Duration `json:"sys"`
	// TimeRSS is GNU time's %M, in KiB, when it was asked for.
	TimeRSS  int64  `json:"timerss,omitempty"`
	Lines    int    `json:"lines,omitempty"`
	LastLine string `json:"last,omitempty"`
	Err      string `json:"err,omitempty"`
}

// spawnTimeout bounds one measured command.
const spawnTimeout = 5 * time.Minute

func spawnMain(args []string) int {
	fs := flag.NewFlagSet("spawn", flag.ContinueOnError)
	cpu := fs.Int("cpu", -1, "run the commands on this CPU only")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "bench %s: bad arguments %q\n", spawnArg, args)
		return 2
	}
	// Every command is started, and traced, from this thread.
	runtime.LockOSThread()
	var all unix.CPUSet
	if err := unix.SchedGetaffinity(0, &all); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	if *cpu >= 0 {
		all.Zero()
		all.Set(*cpu)
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err == nil {
		err = setAffinity(all)
	}
	errFile, err2 := os.CreateTemp("", "conntab-bench-stderr-")
	if err = errors.Join(err, err2); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer os.Remove(errFile.Name())
	in := bufio.NewScanner(os.Stdin)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var req spawnRequest
		var res spawnResult
		if err := json.Unmarshal(in.Bytes(), &req); err != nil || len(req.Argv) == 0 {
			res.Err = fmt.Sprintf("bad request %q", in.Text())
		} else {
			res = spawnPinned(req, null, errFile, all)
		}
		if err := out.Encode(res); err != nil {
			return 1
		}
	}
	return 0
}

// spawnPinned runs req on the CPUs it asks for, then returns this thread
// to all.
func spawnPinned(req spawnRequest, null, errFile *os.File, all unix.CPUSet) spawnResult {
	if req.CPU != nil {
		var one unix.CPUSet
		one.Set(*req.CPU)
		if err := setAffinity(one); err != nil {
			return spawnResult{Err: oneLine(err)}
		}
		defer setAffinity(all)
	}
	if req.Count || req.GNUTime != "" {
		return spawn(req, null)
	}
	return tracedRun(req.Argv, null, errFile, spawnTimeout)
}

// spawn runs one command untimed, for its output or under GNU time: wall
// time around Run, CPU time and ru_maxrss from wait4's rusage.
func spawn(req spawnRequest, null *os.File) spawnResult {
	ctx, cancel := context.WithTimeout(context.Background(), spawnTimeout)
	defer cancel()
	argv := req.Argv
	var rssFile string
	if req.GNUTime != "" {
		f, err := os.CreateTemp("", "conntab-bench-rss-")
		if err != nil {
			return spawnResult{Err: oneLine(err)}
		}
		f.Close()
		rssFile = f.Name()
		defer os.Remove(rssFile)
		argv = append([]string{req.GNUTime, "-f", "%M", "-o", rssFile}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var lines lineCounter
	cmd.Stdout = null
	if req.Count {
		cmd.Stdout = &lines
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	res := spawnResult{Wall: time.Since(start), Lines: lines.lines, LastLine: string(lines.last)}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		res.Err = oneLine(fmt.Errorf("%s: %w: %s", strings.Join(req.Argv, " "), err, msg))
	}
	if rssFile != "" && err == nil {
		b, rerr := os.ReadFile(rssFile)
		if rerr == nil {
			res.TimeRSS, rerr = parseGNUTime(b)
		}
		if rerr != nil {
			res.Err = oneLine(fmt.Errorf("GNU time output: %w", rerr))
		}
	}
	if cmd.ProcessState != nil {
		res.User, res.Sys = cmd.ProcessState.UserTime(), cmd.ProcessState.SystemTime()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			res.MaxRSS = ru.Maxrss
		}
	}
	return res
}

// setAffinity sets the calling thread's CPU affinity. Commands started
// from it (Go forks from the thread of the goroutine calling Start, and
// the spawner's is locked) inherit it, as under taskset -c, without
// taskset's own exec being timed.
func setAffinity(set unix.CPUSet) error {
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("sched_setaffinity: %w", err)
	}
	return nil
}

// parseGNUTime reads what time -f %M -o FILE wrote: the figure on the last
// line (a line before it reports a non-zero exit).
func parseGNUTime(b []byte) (int64, error) {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	n, err := strconv.ParseInt(last, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", b, err)
	}
	return n, nil
}

// findGNUTime returns the path of GNU time(1), or "" when there is none.
func findGNUTime() string {
	path, err := exec.LookPath("time")
	if err != nil {
		return ""
	}
	out, _ := exec.Command(path, "--version").CombinedOutput()
	if !strings.Contains(string(out), "GNU") {
		return ""
	}
	return path
}

// runIn has the spawner run argv inside the namespace.
func (f *fixture) runIn(ctx context.Context, req spawnRequest) (spawnResult, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return spawnResult{}, err
	}
	line, err := f.spawner.request(ctx, string(b), spawnTimeout+10*time.Second)
	if err != nil {
		return spawnResult{}, fmt.Errorf("spawner: %w", err)
	}
	var res spawnResult
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		return res, fmt.Errorf("spawner answered %q: %w", line, err)
	}
	if res.Err != "" {
		return res, fmt.Errorf("%s", res.Err)
	}
	return res, nil
}
