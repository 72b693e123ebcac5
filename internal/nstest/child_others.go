//go:build !linux

package nstest

import (
	"fmt"
	"runtime"
)

// StartNamedListener fails: network namespaces are Linux's.
func StartNamedListener(ns *NS, comm, addr string) (pid int, stop func(), err error) {
	return 0, nil, fmt.Errorf("%w: %s/%s (network namespaces are Linux's)", ErrUnsupported, runtime.GOOS, runtime.GOARCH)
}

// StartNamed fails: network namespaces are Linux's.
func StartNamed(ns *NS, comm, network, addr string) (pid int, stop func(), err error) {
	return StartNamedListener(ns, comm, addr)
}
