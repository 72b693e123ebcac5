//go:build !linux

package collect

import (
	"context"
	"fmt"
	"runtime"

	"github.com/conntab/conntab/model"
)

// TCPInfo needs Linux's sock_diag.
func (c *Collector) TCPInfo(context.Context, model.Socket) (model.TCPInfo, error) {
	return model.TCPInfo{}, fmt.Errorf("%w: %s/%s (tcp_info is read from Linux's sock_diag)", ErrUnsupported, runtime.GOOS, runtime.GOARCH)
}
