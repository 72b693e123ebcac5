//go:build !linux

package collect

import (
	"context"
	"fmt"
	"runtime"

	"github.com/conntab/conntab/model"
)

// Destroys needs Linux's sock_diag.
type Destroys struct{}

// OpenDestroys needs Linux's sock_diag.
func (c *Collector) OpenDestroys() (*Destroys, error) {
	return nil, fmt.Errorf("%w: %s/%s", ErrUnsupported, runtime.GOOS, runtime.GOARCH)
}

// Each needs Linux's sock_diag.
func (d *Destroys) Each(context.Context, func(model.Socket, *model.TCPInfo), func(), func(error)) error {
	return ErrUnsupported
}

// Close does nothing.
func (d *Destroys) Close() error { return nil }
