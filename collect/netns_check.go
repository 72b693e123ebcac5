package collect

import (
	"context"
	"errors"
	"io/fs"
)

// ErrNotNetNS is a -N file that is not a namespace file: a plain file, a
// FIFO, a device. It is refused before setns(2), which would answer
// EINVAL, and before open(2) could block on a FIFO.
var ErrNotNetNS = errors.New("not a network namespace")

// CheckNetNS takes one snapshot to see that the namespace Config.NetNS
// names can be entered, so that a front end can refuse to start (a
// server to listen, a dashboard to open) rather than show every sample
// failing. It says why one cannot: no such file ("open /run/netns/blue:
// no such file or directory", an *fs.PathError), not a namespace file at
// all (ErrNotNetNS: a plain file, a FIFO), a namespace of another kind
// (setns(2) answers EINVAL), not allowed in (EPERM: it takes
// CAP_SYS_ADMIN). A snapshot read in part passes: the samples will say
// what failed, as they will if the namespace goes away later. Without
// Config.NetNS it reads nothing and returns nil.
//
// The snapshot is the Collector's own: it counts as its first (Processes
// and Remember keep what it found).
func (c *Collector) CheckNetNS(ctx context.Context) error {
	path := c.cfg.NetNS
	if path == "" {
		return nil
	}
	snap, err := c.Collect(ctx)
	if snap != nil || err == nil {
		return nil
	}
	// setns(2)'s refusals are said where they happen (setnsError), for
	// every reading of the namespace, not only this one.
	var pathErr *fs.PathError
	switch {
	case errors.Is(err, ErrNotNetNS):
		return err
	case errors.As(err, &pathErr):
		return pathErr
	}
	return err
}
