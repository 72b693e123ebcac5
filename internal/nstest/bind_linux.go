package nstest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// BindMount bind-mounts the namespace on a new file in dir, as `ip netns
// add` does under /run/netns: the mount shows in /proc/self/mountinfo and
// keeps the namespace alive without a process in it. unmount detaches it
// and removes the file.
func (ns *NS) BindMount(dir string) (path string, unmount func() error, err error) {
	path = filepath.Join(dir, "netns-"+strconv.FormatUint(ns.ino, 10))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o444)
	if err != nil {
		return "", nil, fmt.Errorf("nstest: %w", err)
	}
	f.Close()
	if err := unix.Mount(ns.Path(), path, "", unix.MS_BIND, ""); err != nil {
		os.Remove(path)
		return "", nil, fmt.Errorf("nstest: bind-mounting the namespace on %s: %w", path, err)
	}
	return path, func() error {
		err := unix.Unmount(path, unix.MNT_DETACH)
		if rerr := os.Remove(path); err == nil {
			err = rerr
		}
		return err
	}, nil
}
