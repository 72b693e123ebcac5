//go:build !linux

package collect

import (
	"context"
	"fmt"
	"runtime"

	"github.com/conntab/conntab/model"
)

// ErrDestroyRefused: see destroy_linux.go.
var ErrDestroyRefused = ErrUnsupported

// Destroy needs Linux's sock_diag.
func (c *Collector) Destroy(context.Context, []model.Socket) ([]error, error) {
	return nil, fmt.Errorf("%w: %s/%s (sockets are closed with Linux's sock_diag)", ErrUnsupported, runtime.GOOS, runtime.GOARCH)
}
