package collect

import (
	"context"
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// boundBit is the kernel state bit that walks the bind table.
const boundBit = 1 << model.StateBoundInactive

// defaultBoundSkipAt is how many TCP sockets a namespace must hold, by
// sockstat, before Config.BoundEvery may skip the bind-table walk: on a
// small table the walk costs next to nothing.
const defaultBoundSkipAt = 8192

// dumpJobs plans a snapshot's dumps: TCP of both families in one walk of
// the kernel's tables (TCPDIAG_GETSOCK) unless the kernel refused that
// before (byFamily), and UDP a family at a time (its table is walked by
// port, and the first request has no UDP). Every dump walks the whole
// table, which every namespace and both families share: one walk is the
// cheapest way to read it, measured in docs/benchmarks.md. skipBound
// reports that the bind-table walk is left out of this snapshot
// (Config.BoundEvery) and the last walk's sockets stand in for it.
func (c *Collector) dumpJobs(counts procSockstat) (jobs []dumpJob, skipBound bool) {
	for _, p := range c.cfg.Protos {
		mask := c.cfg.States.KernelMask(p)
		if mask == 0 {
			continue
		}
		if p == model.ProtoTCP && mask&boundBit != 0 && c.skipBound(counts) {
			mask &^= boundBit
			skipBound = true
		}
		if p == model.ProtoTCP && len(c.cfg.Families) > 1 && !c.byFamily {
			jobs = append(jobs, dumpJob{proto: p, mask: mask})
			continue
		}
		for _, f := range c.cfg.Families {
			jobs = append(jobs, dumpJob{proto: p, family: f, mask: mask})
		}
	}
	return jobs, skipBound
}

// skipBound reports whether this snapshot reuses the last bind-table
// walk's sockets instead of walking it (Config.BoundEvery).
func (c *Collector) skipBound(counts procSockstat) bool {
	large := counts.inuse(model.ProtoTCP, model.FamilyInet)+counts.inuse(model.ProtoTCP, model.FamilyInet6) >= c.boundSkipAt
	return c.cfg.BoundEvery > 1 && large && !c.bound.stale(c.cfg.BoundEvery)
}

// dumpNetlink reads the snapshot's sockets into snap. It is called on the
// thread that is inside the wanted namespace; the netlink socket it opens
// here stays in that namespace wherever it is read.
func (c *Collector) dumpNetlink(ctx context.Context, snap *model.Snapshot) error {
	counts := readSockstat(netDir(c.cfg.ProcRoot, c.cfg.NetNS != ""))
	jobs, skipBound := c.dumpJobs(counts)
	if len(jobs) == 0 {
		return nil
	}
	r := newDumpResult(max(64, counts.estimate(c.cfg.Protos, c.cfg.Families, c.cfg.States)))
	if cap(r.sockets) >= prefaultAt {
		prefault(r.sockets)
	}
	if err := c.runDumps(ctx, jobs, r); err != nil {
		return err
	}
	socks := c.boundSockets(r.sockets, skipBound)
	// The kernel widens SYN_RECV to request sockets and FIN_WAIT2 to
	// FIN_WAIT2 minisockets; keep exactly the states asked for.
	if c.cfg.States != model.AllStateSet {
		socks = slicesDeleteFunc(socks, func(s *model.Socket) bool { return !c.cfg.States.Has(s.State) })
	}
	snap.Sockets = socks
	return r.err()
}

// streamNetlink reads the snapshot's sockets and hands them to emit as
// they are decoded (Stream); streamed reports whether any were, after
// which a refusal can no longer fall back to /proc. The bind table is
// walked whatever Config.BoundEvery says: nothing is kept between streams.
func (c *Collector) streamNetlink(ctx context.Context, snap *model.Snapshot, emit func(*model.Snapshot, []model.Socket) error) (streamed bool, err error) {
	counts := readSockstat(netDir(c.cfg.ProcRoot, c.cfg.NetNS != ""))
	c.bound = boundCache{}
	jobs, _ := c.dumpJobs(counts)
	n := 0
	k := newStreamSink(c.cfg.States, snap.NetNS, func(socks []model.Socket) error {
		n += len(socks)
		return emit(snap, socks)
	})
	if err := c.runDumps(ctx, jobs, k); err != nil {
		return n > 0, err
	}
	if err := k.finish(); err != nil {
		return true, err
	}
	return n > 0, k.errs.err()
}

// boundSockets keeps the bound-only sockets of a bind-table walk for the
// snapshots that skip it, or appends the kept ones to socks when this one
// did (skipBound). A socket that left the bind table for a connection
// since the walk is then listed twice: the older copy goes.
func (c *Collector) boundSockets(socks []model.Socket, skipBound bool) []model.Socket {
	switch {
	case skipBound:
		c.bound.age++
		return dropCrossDuplicates(append(socks, c.bound.socks...))
	case c.cfg.BoundEvery > 1 && c.cfg.States.Has(model.StateBoundInactive):
		var bound []model.Socket
		for i := range socks {
			if socks[i].Proto == model.ProtoTCP && socks[i].State == model.StateBoundInactive {
				bound = append(bound, socks[i])
			}
		}
		c.bound.keep(bound)
	}
	return socks
}

// runDumps runs jobs one after another on one netlink socket, each on two
// goroutines (dumpInetDiag). TCP of both families in one dump is asked in
// a form the kernel may not know (it always has, so far): refused at once,
// it is asked a family at a time, then and in the snapshots after.
func (c *Collector) runDumps(ctx context.Context, jobs []dumpJob, out sink) error {
	conn, err := c.dial()
	if err != nil {
		return fmt.Errorf("netlink sock_diag: %w", err)
	}
	defer conn.Close()
	for _, j := range jobs {
		err := dumpInetDiag(ctx, conn, j, out)
		if j.family == 0 && unknownRequest(err) {
			c.byFamily = true
			for _, f := range c.cfg.Families {
				j.family = f
				if err = dumpInetDiag(ctx, conn, j, out); err != nil {
					break
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// unknownRequest reports whether err is the kernel refusing a request it
// does not know: one built without inet_diag's first interface.
func unknownRequest(err error) bool {
	return errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EINVAL)
}

func dialSockDiag() (*netlink.Conn, error) {
	return netlink.Dial(unix.NETLINK_SOCK_DIAG, &netlink.Config{MessageBufferSize: recvBuffer})
}
