package collect

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/conntab/conntab/model"
)

// ReadProcessDetail reads a process's command line and cgroup under
// procRoot ("" means /proc). It is asked for one process at a time, when a
// person selects a socket. A process that exited is os.ErrNotExist.
func ReadProcessDetail(procRoot string, pid int32) (model.ProcessDetail, error) {
	if procRoot == "" {
		procRoot = "/proc"
	}
	dir := filepath.Join(procRoot, strconv.Itoa(int(pid)))
	var d model.ProcessDetail
	cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
	if err != nil {
		return d, fmt.Errorf("process %d: %w", pid, err)
	}
	d.Cmdline = parseCmdline(cmdline)
	cgroup, err := os.ReadFile(filepath.Join(dir, "cgroup"))
	if err != nil {
		return d, fmt.Errorf("process %d: %w", pid, err)
	}
	d.Cgroup = parseCgroup(cgroup)
	d.Container = containerID(d.Cgroup)
	return d, nil
}
