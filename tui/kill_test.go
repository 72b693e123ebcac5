package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/conntab/conntab/model"
)

// TestKillGroup: K on the CLOSE_WAIT group's header asks to close the 24
// sockets shown, any key but y keeps them, and y hands exactly them to
// Config.Destroy, says what it did and takes a sample at once.
func TestKillGroup(t *testing.T) {
	var asked []model.Socket
	cfg := testConfig(fixture(t0), fixture(t0))
	cfg.Destroy = func(_ context.Context, socks []model.Socket) ([]error, error) {
		asked = append(asked, socks...)
		errs := make([]error, len(socks))
		errs[0] = model.ErrGone
		return errs, nil
	}
	m := newTestModel(t, 120, 40, cfg)
	m = keys(t, m, "/", "type:state close-wait", "enter", "K")
	if s := screen(m); !strings.Contains(s, "Close the 24 CLOSE_WAIT sockets shown (filter: state close-wait)? y closes them") {
		t.Fatalf("K on the group's header does not ask about its 24 sockets:\n%s", s)
	}
	m = keys(t, m, "n")
	if s := screen(m); len(asked) != 0 || !strings.Contains(s, "nothing closed") {
		t.Fatalf("n closed %d sockets, or did not say so:\n%s", len(asked), s)
	}
	m = keys(t, m, "K")
	next, cmd := m.Update(keyMsg("y"))
	m = next.(Model)
	if cmd == nil {
		t.Fatal("y gave no command to close the sockets")
	}
	msg := cmd()
	if len(asked) != 24 {
		t.Fatalf("Destroy was handed %d sockets, want the group's 24", len(asked))
	}
	for _, s := range asked {
		if s.State != model.StateCloseWait {
			t.Fatalf("Destroy was handed a %v socket", s.State)
		}
	}
	next, cmd = m.Update(msg)
	m = next.(Model)
	if s := screen(m); !strings.Contains(s, "closed 23, 1 already gone") {
		t.Errorf("after closing, the footer does not say what was done:\n%s", s)
	}
	if cmd == nil {
		t.Error("closing does not take a sample at once")
	}
}

// TestKillNotAvailable: without Config.Destroy, or outside the Sockets
// view, K says why and asks nothing.
func TestKillNotAvailable(t *testing.T) {
	m := newTestModel(t, 120, 40, testConfig(fixture(t0)))
	if s := screen(keys(t, m, "K")); !strings.Contains(s, "closing sockets is not available here") {
		t.Errorf("K without Destroy:\n%s", s)
	}
	cfg := testConfig(fixture(t0))
	cfg.Destroy = func(context.Context, []model.Socket) ([]error, error) { t.Fatal("Destroy called"); return nil, nil }
	m = newTestModel(t, 120, 40, cfg)
	if s := screen(keys(t, m, "2", "K")); !strings.Contains(s, "K closes sockets from the Sockets view") {
		t.Errorf("K on the Remote endpoints view:\n%s", s)
	}
}
