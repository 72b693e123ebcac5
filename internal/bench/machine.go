//go:build linux

package main

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// machineInfo describes where the figures were taken.
type machineInfo struct {
	date, kernel, cpu, mem, goVersion, ss, netstat string
	cpus                                           int
	// revision is the conntab that was built (git describe).
	revision string
	// loadStart and loadEnd are /proc/loadavg's 1-minute figure before the
	// fixture was made and after the last round: other work on the machine
	// shows in the figures.
	loadStart, loadEnd string
}

// describe fills in the machine's facts, at the end of the run.
func (m *machineInfo) describe() {
	m.date, m.cpus, m.goVersion = time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), runtime.Version()
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.kernel = unix.ByteSliceToString(u.Release[:])
	}
	m.cpu = procField("/proc/cpuinfo", "model name")
	m.mem = procField("/proc/meminfo", "MemTotal")
	m.ss = firstLine("ss", "-V")
	m.netstat = firstLine("netstat", "-V")
	m.loadEnd = loadAvg()
}

// loadAvg is the 1-minute load average.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// procField is the first value of key in a "key: value" file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return "?"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func firstLine(name string, args ...string) string {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil && len(out) == 0 {
		return "?"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}
