//go:build !linux

package collect

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
)

func TestUnsupportedPlatform(t *testing.T) {
	_, err := New(Config{}).Collect(context.Background())
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), runtime.GOOS+"/"+runtime.GOARCH) {
		t.Fatalf("err = %v, want ErrUnsupported naming %s/%s", err, runtime.GOOS, runtime.GOARCH)
	}
}
