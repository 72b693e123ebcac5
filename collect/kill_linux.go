package collect

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/mdlayher/netlink"

	"github.com/conntab/conntab/model"
)

// sockDestroy is SOCK_DESTROY, sock_diag's request to close one socket
// (the request `ss -K` sends).
const sockDestroy = 21

// ErrDestroyRefused is the kernel refusing to close sockets at all: no
// CAP_NET_ADMIN (EPERM), or a kernel built without
// CONFIG_INET_DIAG_DESTROY (EOPNOTSUPP). Destroy stops at the first.
var ErrDestroyRefused = errors.New("the kernel refused to close sockets")

// Destroy closes each of socks, as a snapshot of this Collector listed
// them, with sock_diag's SOCK_DESTROY, in the Collector's network
// namespace. The kernel finds each by its protocol, addresses, ports and
// cookie, so a socket that another has since replaced on the same
// addresses is not touched. It aborts a TCP connection (its owner's calls
// fail with ECONNABORTED, and its peer gets a reset) and drops a TIME_WAIT
// socket. The result has one error per socket asked about, in order, nil
// for one closed, ErrGone for one no longer there; it is cut short, and
// the error returned alone is set, by what stops them all (the namespace,
// the netlink socket, ErrDestroyRefused).
func (c *Collector) Destroy(ctx context.Context, socks []model.Socket) ([]error, error) {
	if c.cfg.Mode == ModeProc {
		return nil, fmt.Errorf("%w: sockets are closed over netlink sock_diag, not the /proc source", ErrDestroyRefused)
	}
	errs := make([]error, 0, len(socks))
	err := withNetNS(c.cfg.NetNS, func() error {
		conn, err := c.dial()
		if err != nil {
			return fmt.Errorf("netlink sock_diag: %w", err)
		}
		defer conn.Close()
		for i := range socks {
			if err := ctx.Err(); err != nil {
				return err
			}
			errs = append(errs, destroyOne(conn, &socks[i]))
			if errors.Is(errs[i], ErrDestroyRefused) {
				return errs[i]
			}
		}
		return nil
	})
	return errs, err
}

// destroyOne sends one SOCK_DESTROY and reads its acknowledgement.
func destroyOne(conn *netlink.Conn, s *model.Socket) error {
	req, err := tcpInfoRequest(s) // the same request, naming one socket
	if err != nil {
		return err
	}
	req[1], req[2] = byte(s.Proto), 0 // no extensions
	_, err = conn.Execute(netlink.Message{
		Header: netlink.Header{Type: sockDestroy, Flags: netlink.Request | netlink.Acknowledge},
		Data:   req,
	})
	var errno syscall.Errno
	switch {
	case err == nil:
		return nil
	case errors.As(err, &errno) && errno == syscall.ENOENT:
		return fmt.Errorf("%s: %w", tcpInfoName(s), ErrGone)
	case errors.As(err, &errno) && errno == syscall.EPERM:
		return fmt.Errorf("%w: closing a socket takes CAP_NET_ADMIN (root) in its network namespace (EPERM)", ErrDestroyRefused)
	case errors.As(err, &errno) && errno == syscall.EOPNOTSUPP:
		return fmt.Errorf("%w: this kernel has no SOCK_DESTROY (CONFIG_INET_DIAG_DESTROY) for %s (EOPNOTSUPP)", ErrDestroyRefused, s.Proto)
	}
	return fmt.Errorf("closing %s: %w", tcpInfoName(s), err)
}
