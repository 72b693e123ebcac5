//go:build !linux

package collect

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/conntab/conntab/model"
)

func TestTCPInfoUnsupportedPlatform(t *testing.T) {
	_, err := New(Config{}).TCPInfo(context.Background(), model.Socket{Proto: model.ProtoTCP})
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), runtime.GOOS+"/"+runtime.GOARCH) {
		t.Fatalf("err = %v, want ErrUnsupported naming %s/%s", err, runtime.GOOS, runtime.GOARCH)
	}
}
