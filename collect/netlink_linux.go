package collect

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// recvBuffer is the userspace buffer one recvmsg fills, as ss uses. The
// kernel never fills more than 32 KiB into one dump reply anyway.
const recvBuffer = 32 << 10

// dumpJob is one SOCK_DIAG_BY_FAMILY dump: one protocol, one family, some
// states.
type dumpJob struct {
	proto  model.Proto
	family model.Family
	mask   uint32
	r      *dumpResult
	err    error
}

// Kernel state bits that get dumps of their own.
const (
	estBit   = 1 << model.StateEstablished
	boundBit = 1 << model.StateBoundInactive
)

// defaultSplitAt is how many sockets a TCP family must hold, by sockstat,
// before its dump is split: each part walks the kernel's tables again,
// which only pays when filling the replies is the larger cost.
const defaultSplitAt = 8192

// dumpJobs splits the dumps the config asks for so that two cores can
// share the kernel's work. The kernel fills a dump inside recvmsg, on one
// core, and a TCP dump is up to three walks: the listening sockets, the
// connections, and (only for BOUND_INACTIVE) the whole bind table, which
// costs as much as filling tens of thousands of sockets. A large TCP
// family becomes three jobs: ESTABLISHED (usually the bulk), the other
// states (TIME_WAIT the bulk of those), and bound-only sockets. Jobs come
// largest first; the first collects everything in the end.
func (c *Collector) dumpJobs(counts procSockstat) []*dumpJob {
	var jobs []*dumpJob
	add := func(p model.Proto, f model.Family, mask uint32) {
		if mask != 0 {
			jobs = append(jobs, &dumpJob{proto: p, family: f, mask: mask})
		}
	}
	for _, p := range c.cfg.Protos {
		mask := c.cfg.States.KernelMask(p)
		for _, f := range c.cfg.Families {
			if p != model.ProtoTCP || counts.inuse(p, f) < c.splitAt {
				add(p, f, mask)
				continue
			}
			add(p, f, mask&estBit)
			add(p, f, mask&^(estBit|boundBit))
			if c.readBound(f) {
				add(p, f, mask&boundBit)
			}
		}
	}
	slices.SortStableFunc(jobs, func(a, b *dumpJob) int { return counts.inuse(b.proto, b.family) - counts.inuse(a.proto, a.family) })
	return jobs
}

// dumpNetlink runs the dumps, two at a time on two cores. It is called on
// the thread that is inside the wanted namespace; the netlink sockets it
// opens here stay in that namespace wherever they are read.
func (c *Collector) dumpNetlink(ctx context.Context, snap *model.Snapshot) error {
	counts := readSockstat(netDir(c.cfg.ProcRoot, c.cfg.NetNS != ""))
	jobs := c.dumpJobs(counts)
	if len(jobs) == 0 {
		return nil
	}
	c.sizeResults(jobs, counts)
	if err := c.runDumps(ctx, jobs); err != nil {
		return err
	}
	var err error
	snap.Sockets, err = c.gatherDumps(jobs)
	return err
}

// sizeResults gives every job its result, sized by sockstat. The first
// job's slice has room for every socket, so the others are appended to it
// without a copy of the whole table.
func (c *Collector) sizeResults(jobs []*dumpJob, counts procSockstat) {
	for i, j := range jobs {
		hint := 64
		switch {
		case i == 0:
			hint = max(hint, counts.estimate(c.cfg.Protos, c.cfg.Families, c.cfg.States))
		case j.proto == model.ProtoTCP && j.mask&(1<<model.StateTimeWait) != 0:
			hint += counts.tw
		}
		j.r = newDumpResult(hint)
	}
	if cap(jobs[0].r.sockets) >= prefaultAt {
		prefault(jobs[0].r.sockets)
	}
}

// runDumps runs jobs on as many netlink sockets as there are workers, and
// returns the first job's error that ended the dumps.
func (c *Collector) runDumps(ctx context.Context, jobs []*dumpJob) error {
	// A second core pays for its netlink socket and thread only when there
	// is much to read.
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	if cap(jobs[0].r.sockets) < c.splitAt {
		workers = 1
	}
	conns := make([]*netlink.Conn, 0, workers)
	defer func() {
		for _, conn := range conns {
			conn.Close()
		}
	}()
	for range workers {
		conn, err := c.dial()
		if err != nil {
			return fmt.Errorf("netlink sock_diag: %w", err)
		}
		conns = append(conns, conn)
	}

	var next atomic.Int64
	var wg sync.WaitGroup
	for _, conn := range conns {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) {
					return
				}
				j := jobs[i]
				j.err = dumpInetDiag(ctx, conn, j.family, j.proto, j.mask, j.r)
				if j.err != nil {
					next.Store(int64(len(jobs))) // the others stop too
					return
				}
			}
		})
	}
	wg.Wait()
	for _, j := range jobs {
		if j.err != nil {
			return j.err
		}
	}
	return nil
}

// gatherDumps joins the jobs' sockets into the first job's slice, with the
// bound-only sockets of the last walk where this one did not walk them,
// and returns them with what the dumps could not decode.
func (c *Collector) gatherDumps(jobs []*dumpJob) ([]model.Socket, error) {
	var errs []error
	for _, j := range jobs {
		errs = append(errs, j.r.err())
	}
	socks := jobs[0].r.sockets
	for _, j := range jobs[1:] {
		socks = append(socks, j.r.sockets...)
		if j.mask == boundBit {
			c.bound.keep(j.family, j.r.sockets)
		}
	}
	socks = c.bound.reuse(socks, jobs)
	socks = dropCrossDuplicates(socks)
	// The kernel widens SYN_RECV to request sockets and FIN_WAIT2 to
	// FIN_WAIT2 minisockets; keep exactly the states asked for.
	if c.cfg.States != model.AllStateSet {
		socks = slicesDeleteFunc(socks, func(s *model.Socket) bool { return !c.cfg.States.Has(s.State) })
	}
	return socks, errors.Join(errs...)
}

// readBound reports whether this snapshot walks family f's bind table for
// its bound-only sockets, or reuses the last walk's (Config.BoundEvery).
func (c *Collector) readBound(f model.Family) bool {
	return c.cfg.BoundEvery <= 1 || c.bound.stale(f, c.cfg.BoundEvery)
}

func dialSockDiag() (*netlink.Conn, error) {
	return netlink.Dial(unix.NETLINK_SOCK_DIAG, &netlink.Config{MessageBufferSize: recvBuffer})
}
