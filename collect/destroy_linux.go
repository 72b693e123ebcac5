package collect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/model"
)

// destroyReadBuffer is the receive buffer asked for the destroy messages:
// at 5,000 closes a second, a second's worth of them (some 400 bytes
// each). The kernel caps it at net.core.rmem_max.
const destroyReadBuffer = 4 << 20

// Destroys is a subscription to the kernel's destroy messages of one
// network namespace (Collector.OpenDestroys).
type Destroys struct {
	conn *netlink.Conn
}

// OpenDestroys joins the sock_diag destroy groups of the Collector's
// protocols and families, in its namespace: from then on the kernel sends
// a message for every such socket it frees, with a TCP connection's last
// tcp_info. The kernel (4.5 and later) lets any user join them; an older
// kernel, or a sandbox, refuses, and the error says so.
func (c *Collector) OpenDestroys() (*Destroys, error) {
	var conn *netlink.Conn
	err := withNetNS(c.cfg.NetNS, func() error {
		var err error
		if conn, err = netlink.Dial(unix.NETLINK_SOCK_DIAG, nil); err != nil {
			return fmt.Errorf("netlink sock_diag: %w", err)
		}
		for _, g := range destroyGroups(c.cfg.Protos, c.cfg.Families) {
			if err := conn.JoinGroup(g); err != nil {
				conn.Close()
				return fmt.Errorf("joining sock_diag's destroy group %d: %w", g, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	_ = conn.SetReadBuffer(destroyReadBuffer) // best effort: the default holds a few hundred
	return &Destroys{conn: conn}, nil
}

// Each hands every destroy message to emit, as it arrives, until ctx ends
// (then it returns nil) or the socket fails. A message that does not
// decode goes to bad and is skipped. When conntab fell behind and the
// kernel dropped messages (ENOBUFS: how many, it does not say), lost is
// called once for that overflow.
func (d *Destroys) Each(ctx context.Context, emit func(s model.Socket, info *model.TCPInfo), lost func(), bad func(error)) error {
	stop := context.AfterFunc(ctx, func() { _ = d.conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	for {
		msgs, err := d.conn.Receive()
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, unix.ENOBUFS):
			lost()
			continue
		case err != nil:
			return fmt.Errorf("netlink sock_diag destroy messages: %w", err)
		}
		for _, m := range msgs {
			if m.Header.Type != sockDiagByFamily {
				bad(fmt.Errorf("%w: %w %d", errDestroy, errMessageType, m.Header.Type))
				continue
			}
			s, info, err := decodeDestroy(m.Data)
			if err != nil {
				bad(err)
				continue
			}
			emit(s, info)
		}
	}
}

// Close leaves the groups.
func (d *Destroys) Close() error { return d.conn.Close() }
