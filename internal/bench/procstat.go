//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// procTimes is what /proc/PID/stat says of a process's CPU time.
type procTimes struct {
	// ticks is utime+stime in clock ticks (USER_HZ): every thread's,
	// the exited ones' included.
	ticks   uint64
	threads int
	// state is R, S, Z...; exitCode, of a zombie, is its status as
	// waitpid reports it (field 52, Linux 3.5 on).
	state    byte
	exitCode int
}

// parseProcStat reads /proc/PID/stat. The command name (field 2) may hold
// spaces and parentheses, so the fields are counted from its last ')'.
func parseProcStat(b []byte) (procTimes, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procTimes{}, fmt.Errorf("bench: /proc/PID/stat %q: no ')' after the command name", b)
	}
	// f[0] is field 3 (state); utime is field 14, stime 15, num_threads 20.
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 18 {
		return procTimes{}, fmt.Errorf("bench: /proc/PID/stat %q: %d fields after the command name, want at least 18", b, len(f))
	}
	var t procTimes
	for _, k := range []int{11, 12} {
		v, err := strconv.ParseUint(f[k], 10, 64)
		if err != nil {
			return procTimes{}, fmt.Errorf("bench: /proc/PID/stat field %d %q: %w", k+3, f[k], err)
		}
		t.ticks += v
	}
	n, err := strconv.Atoi(f[17])
	if err != nil {
		return procTimes{}, fmt.Errorf("bench: /proc/PID/stat field 20 %q: %w", f[17], err)
	}
	t.threads = n
	t.state = f[0][0]
	if len(f) >= 50 {
		if t.exitCode, err = strconv.Atoi(f[49]); err != nil {
			return procTimes{}, fmt.Errorf("bench: /proc/PID/stat field 52 %q: %w", f[49], err)
		}
	}
	return t, nil
}

// parseStatusKiB reads the "Key:   123 kB" lines of /proc/PID/status
// named in keys. A key that is missing is an error: a kernel thread or a
// zombie has no VmRSS.
func parseStatusKiB(r io.Reader, keys ...string) (map[string]int64, error) {
	out := make(map[string]int64, len(keys))
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		for _, want := range keys {
			if k != want {
				continue
			}
			num, unit, _ := strings.Cut(strings.TrimSpace(v), " ")
			n, err := strconv.ParseInt(num, 10, 64)
			if err != nil || unit != "kB" {
				return nil, fmt.Errorf("bench: /proc/PID/status line %q: want a number of kB", sc.Text())
			}
			out[k] = n
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, k := range keys {
		if _, ok := out[k]; !ok {
			return nil, fmt.Errorf("bench: /proc/PID/status has no %s line", k)
		}
	}
	return out, nil
}

// cpuTimes is the machine's CPU time from /proc/stat's first line, in
// clock ticks summed over every CPU.
type cpuTimes struct {
	busy, total uint64
}

// parseCPUStat reads /proc/stat's "cpu" line: user nice system idle iowait
// irq softirq steal (guest time is already within user). Busy is all but
// idle and iowait.
func parseCPUStat(b []byte) (cpuTimes, error) {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 9 || f[0] != "cpu" {
		return cpuTimes{}, fmt.Errorf("bench: /proc/stat first line %q: want cpu and 8 counters", line)
	}
	var c cpuTimes
	for i, s := range f[1:9] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return cpuTimes{}, fmt.Errorf("bench: /proc/stat first line %q: %w", line, err)
		}
		c.total += v
		if i != 3 && i != 4 { // idle, iowait
			c.busy += v
		}
	}
	return c, nil
}

// atClkTck is the auxiliary vector's entry for sysconf(_SC_CLK_TCK).
const atClkTck = 17

// errNoClkTck says the auxiliary vector has no AT_CLKTCK entry.
var errNoClkTck = errors.New("bench: no AT_CLKTCK in the auxiliary vector")

// parseAuxvClockTicks finds AT_CLKTCK, the ticks per second of
// /proc/PID/stat's times, in /proc/self/auxv: pairs of native words.
func parseAuxvClockTicks(b []byte, wordSize int) (int, error) {
	word := func(p []byte) uint64 {
		if wordSize == 4 {
			return uint64(binary.NativeEndian.Uint32(p))
		}
		return binary.NativeEndian.Uint64(p)
	}
	for len(b) >= 2*wordSize {
		typ, val := word(b), word(b[wordSize:])
		b = b[2*wordSize:]
		if typ == 0 { // AT_NULL
			break
		}
		if typ == atClkTck && val > 0 {
			return int(val), nil
		}
	}
	return 0, errNoClkTck
}

// legendTotal matches the dashboard's state legend, "... total 132005".
var legendTotal = regexp.MustCompile(`\btotal ([0-9]+)\b`)

// screenTotal is the socket count the dashboard's header shows on a
// captured screen, and the legend line it was read from.
func screenTotal(screen string) (n int, line string, ok bool) {
	for _, l := range strings.Split(screen, "\n") {
		if m := legendTotal.FindStringSubmatch(l); m != nil {
			n, err := strconv.Atoi(m[1])
			return n, strings.TrimSpace(l), err == nil
		}
	}
	return 0, "", false
}
