//go:build !linux

package collect

import (
	"context"
	"fmt"
	"runtime"

	"github.com/mdlayher/netlink"

	"github.com/conntab/conntab/model"
)

func (c *Collector) collect(context.Context, func(*model.Snapshot, []model.Socket) error) (*model.Snapshot, error) {
	return nil, fmt.Errorf("%w: %s/%s (conntab reads Linux's sock_diag and /proc/net)", ErrUnsupported, runtime.GOOS, runtime.GOARCH)
}

func dialSockDiag() (*netlink.Conn, error) { return nil, ErrUnsupported }

const defaultBoundSkipAt = 0

// ReadProcessDetail needs Linux's /proc.
func ReadProcessDetail(string, int32) (model.ProcessDetail, error) {
	return model.ProcessDetail{}, fmt.Errorf("%w: %s/%s", ErrUnsupported, runtime.GOOS, runtime.GOARCH)
}

// FindNetNS finds nothing: network namespaces are Linux's.
func FindNetNS(string) ([]model.Namespace, FindReport) {
	return nil, FindReport{Err: fmt.Errorf("%w: %s/%s (network namespaces are Linux's)", ErrUnsupported, runtime.GOOS, runtime.GOARCH)}
}
