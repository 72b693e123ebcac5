//go:build !linux || !(amd64 || arm64)

package bpfevents

import (
	"errors"
	"runtime"
	"strings"
	"testing"
)

func TestOpenUnsupported(t *testing.T) {
	_, err := Open(Options{})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), runtime.GOOS+"/"+runtime.GOARCH) {
		t.Errorf("Open = %v; want ErrUnavailable naming %s/%s", err, runtime.GOOS, runtime.GOARCH)
	}
}
