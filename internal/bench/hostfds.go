//go:build linux

package main

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// hostFDs is how many processes the host runs and how many descriptors
// they hold. The dashboard walks every process's /proc/PID/fd, not only
// the fixture's, so other work on the machine changes what it costs.
type hostFDs struct {
	procs int
	fds   int64
}

// readHostFDs counts them: Linux 6.2 and later give /proc/PID/fd's size as
// its number of descriptors. A process that exits meanwhile is skipped.
func readHostFDs() hostFDs {
	var h hostFDs
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return h
	}
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		var st unix.Stat_t
		if unix.Stat("/proc/"+e.Name()+"/fd", &st) != nil {
			continue
		}
		h.procs++
		h.fds += st.Size
	}
	return h
}
