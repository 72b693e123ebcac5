//go:build !linux

package nstest

import (
	"fmt"
	"runtime"
)

// Create fails: network namespaces are Linux's.
func Create() (*NS, error) {
	return nil, fmt.Errorf("%w: %s/%s (network namespaces are Linux's)", ErrUnsupported, runtime.GOOS, runtime.GOARCH)
}

// Do fails: network namespaces are Linux's.
func (ns *NS) Do(fn func() error) error {
	return fmt.Errorf("%w: %s/%s (network namespaces are Linux's)", ErrUnsupported, runtime.GOOS, runtime.GOARCH)
}

// BindMount fails: network namespaces are Linux's.
func (ns *NS) BindMount(string) (string, func() error, error) {
	return "", nil, fmt.Errorf("%w: %s/%s (network namespaces are Linux's)", ErrUnsupported, runtime.GOOS, runtime.GOARCH)
}
