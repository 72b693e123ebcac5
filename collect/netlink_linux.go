package collect

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// recvBuffer is the userspace buffer one recvmsg fills, as ss uses.
const recvBuffer = 32 << 10

// dumpNetlink runs one sock_diag dump per protocol and family. It is
// called on the thread that is inside the wanted namespace; the netlink
// socket it opens stays there.
func (c *Collector) dumpNetlink(ctx context.Context, snap *model.Snapshot) error {
	conn, err := c.dial()
	if err != nil {
		return fmt.Errorf("collect: netlink sock_diag: %w", err)
	}
	defer conn.Close()

	r := newDumpResult(socketCountHint(c.cfg.ProcRoot, c.cfg.NetNS != "", c.cfg.Protos))
	for _, proto := range c.cfg.Protos {
		mask := c.cfg.States.KernelMask(proto)
		if mask == 0 {
			continue
		}
		for _, family := range c.cfg.Families {
			if err := dumpInetDiag(ctx, conn, family, proto, mask, r); err != nil {
				return err
			}
		}
	}
	snap.Sockets = r.sockets
	// The kernel widens SYN_RECV to request sockets and FIN_WAIT2 to
	// FIN_WAIT2 minisockets; keep exactly the states asked for.
	if c.cfg.States != model.AllStateSet {
		keep := snap.Sockets[:0]
		for i := range snap.Sockets {
			if c.cfg.States.Has(snap.Sockets[i].State) {
				keep = append(keep, snap.Sockets[i])
			}
		}
		snap.Sockets = keep
	}
	return r.err()
}

func dialSockDiag() (*netlink.Conn, error) {
	return netlink.Dial(unix.NETLINK_SOCK_DIAG, &netlink.Config{MessageBufferSize: recvBuffer})
}

// socketCountHint estimates how many sockets a dump returns from
// /proc/net/sockstat{,6}, so the result is allocated once. Any failure
// just means no hint.
func socketCountHint(root string, entered bool, protos []model.Proto) int {
	n := 0
	for _, name := range []string{"sockstat", "sockstat6"} {
		f, err := os.Open(filepath.Join(netDir(root, entered), name))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			proto, rest, _ := strings.Cut(sc.Text(), ":")
			want := false
			for _, p := range protos {
				want = want || strings.EqualFold(strings.TrimSuffix(proto, "6"), p.String())
			}
			if !want {
				continue
			}
			f := strings.Fields(rest)
			for i := 0; i+1 < len(f); i += 2 {
				if f[i] == "inuse" || f[i] == "tw" {
					v, _ := strconv.Atoi(f[i+1])
					n += v
				}
			}
		}
		f.Close()
	}
	// Sockets come and go during the dump; leave room.
	return n + n/16 + 64
}
