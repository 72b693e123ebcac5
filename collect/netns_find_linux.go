package collect

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/conntab/conntab/model"
)

// FindNetNS finds every network namespace on the host that procRoot
// ("" for /proc) shows: the namespace of every process (/proc/PID/ns/net,
// one entry per inode) and every namespace bind-mounted on a file (the
// nsfs mounts of /proc/self/mountinfo: `ip netns`'s /run/netns/NAME,
// Docker's /run/docker/netns/ID, a CNI plugin's), which finds those that
// only a mount keeps alive. Each comes with a file to enter it by, its
// `ip netns` name and its processes, sorted by inode; the caller's own is
// marked Own. A namespace held only by an open descriptor is not found.
// Other users' processes need root to be seen: those that cannot be are
// counted in the report.
func FindNetNS(procRoot string) ([]model.Namespace, FindReport) {
	if procRoot == "" {
		procRoot = "/proc"
	}
	var rep FindReport
	t := nsTable{}
	if f, err := os.Open(filepath.Join(procRoot, "self", "mountinfo")); err == nil {
		mounts, err := parseMountInfo(f)
		f.Close()
		rep.Err = err
		for _, m := range mounts {
			t.addMount(m)
		}
	} else {
		rep.Err = fmt.Errorf("collect: finding namespaces: %w", err)
	}
	rep.Hidden, rep.HiddenPIDs = t.addProcesses(procRoot)
	own, _ := readNSLink(filepath.Join(procRoot, "self", "ns", "net"))
	if own != 0 {
		t.get(own).Own = true
	}
	return t.sorted(), rep
}

// addProcesses adds the namespace of every process under procRoot and
// returns how many could not be read for want of permission.
func (t nsTable) addProcesses(procRoot string) (hidden int, first []int32) {
	d, err := os.Open(procRoot)
	if err != nil {
		return 0, nil
	}
	defer d.Close()
	for {
		ents, err := d.ReadDir(512)
		for _, e := range ents {
			pid, perr := strconv.ParseInt(e.Name(), 10, 32)
			if perr != nil || pid <= 0 {
				continue
			}
			ino, lerr := readNSLink(filepath.Join(procRoot, e.Name(), "ns", "net"))
			switch {
			case lerr == nil:
				t.addPID(procRoot, ino, int32(pid))
			case errors.Is(lerr, fs.ErrPermission):
				if hidden++; len(first) < 3 {
					first = append(first, int32(pid))
				}
			}
			// Gone (ENOENT, ESRCH) or a kernel thread: nothing to add.
		}
		if err != nil {
			return hidden, first
		}
	}
}

// readNSLink reads a namespace link (/proc/PID/ns/net) for its inode.
func readNSLink(p string) (uint32, error) {
	link, err := os.Readlink(p)
	if err != nil {
		return 0, err
	}
	ino, ok := nsLinkInode(link, "net")
	if !ok {
		return 0, fmt.Errorf("collect: %s links to %q, not a network namespace", p, link)
	}
	return ino, nil
}

// nsFileInode is the inode of the namespace a file (a bind mount, a
// /proc/PID/ns/net link) is, by stat(2).
func nsFileInode(p string) (uint32, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(p, &st); err != nil {
		return 0, err
	}
	return uint32(st.Ino), nil
}
