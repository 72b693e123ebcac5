package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/conntab/conntab/names"
)

// TestDashboardResolvesOffTheUI: with a Resolver whose lookups hang, a
// sample is shown at once with numbers; the names arrive as a message
// from the resolution's command, and the Sockets view then shows
// name:port, escaped.
func TestDashboardResolvesOffTheUI(t *testing.T) {
	release := make(chan struct{})
	cfg := testConfig(fixture(time.Unix(1700000000, 0)))
	cfg.Resolver = &names.Resolver{Total: time.Minute, Lookup: func(_ context.Context, addr string) ([]string, error) {
		<-release
		if addr == "10.0.0.9" {
			return []string{"pg\x1b[2J.example."}, nil
		}
		return nil, &netError{}
	}}
	m := New(t.Context(), cfg)
	m = update(t, m, tea.WindowSizeMsg{Width: 160, Height: 40})
	next, cmd := m.Update(m.collect()())
	m = next.(Model)
	if s := screen(m); !strings.Contains(s, "10.0.0.9:5432") || strings.Contains(s, "pg") {
		t.Fatalf("before the names: want numbers\n%s", s)
	}
	close(release)
	got := make(chan hostsMsg, 1)
	for _, c := range cmd().(tea.BatchMsg) {
		if c != nil {
			go func() {
				if h, ok := c().(hostsMsg); ok {
					got <- h
				}
			}()
		}
	}
	select {
	case h := <-got:
		m = update(t, m, h)
	case <-time.After(10 * time.Second):
		t.Fatal("the resolution's command never answered")
	}
	s := screen(m)
	if !strings.Contains(s, `pg\x1b[2J.example:5432`) {
		t.Errorf("after the names: want pg\\x1b[2J.example:5432\n%s", s)
	}
	if !strings.Contains(s, "192.0.2.10:51000") {
		t.Errorf("an address without a name must keep its number\n%s", s)
	}
}

type netError struct{}

func (*netError) Error() string { return "no such host" }
