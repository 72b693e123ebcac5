//go:build unix

package audit

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conntab/conntab/names"
)

// TestLoadAuditRulesFIFO gives --rules a FIFO that nothing writes to:
// LoadAuditRules must refuse it at once, naming it, instead of blocking in
// open(2) for ever (conntab listeners --rules FIFO ignored SIGINT and
// SIGTERM). The test fails after five seconds rather than hang.
func TestLoadAuditRulesFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "rules.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := LoadAuditRules(fifo)
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		// Let the stuck open go, so that the test binary can end.
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		t.Fatalf("LoadAuditRules(%s) still blocked after 5s", fifo)
	}
	if !errors.Is(err, names.ErrNotRegular) || !strings.Contains(err.Error(), fifo) || !strings.Contains(err.Error(), "named pipe") {
		t.Fatalf("LoadAuditRules(FIFO) = %v, want it refused as a named pipe, naming %s", err, fifo)
	}
}
