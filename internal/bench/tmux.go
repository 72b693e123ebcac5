//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// tmuxServer is a tmux server of the harness's own (-L socket, no
// configuration file), so that neither a user's tmux nor their
// ~/.tmux.conf is involved.
type tmuxServer struct {
	path, socket, session string
}

func (t *tmuxServer) run(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, t.path, append([]string{"-L", t.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("tmux %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// start opens a detached session of width x height running command. A
// pane whose command exits stays (remain-on-exit), so that its last
// screen and exit status can be read.
func (t *tmuxServer) start(ctx context.Context, width, height int, command string) error {
	_, err := t.run(ctx, "start-server", ";",
		"set-option", "-g", "remain-on-exit", "on", ";",
		"new-session", "-d", "-s", t.session, "-x", strconv.Itoa(width), "-y", strconv.Itoa(height), command)
	return err
}

// format expands a tmux format (#{pane_pid}, #{pid}) for the session.
func (t *tmuxServer) format(ctx context.Context, f string) (string, error) {
	out, err := t.run(ctx, "display-message", "-p", "-t", t.session, f)
	return strings.TrimSpace(out), err
}

// capture is the pane's screen as plain text.
func (t *tmuxServer) capture(ctx context.Context) (string, error) {
	return t.run(ctx, "capture-pane", "-p", "-t", t.session)
}

func (t *tmuxServer) sendKeys(ctx context.Context, keys ...string) error {
	_, err := t.run(ctx, append([]string{"send-keys", "-t", t.session}, keys...)...)
	return err
}

// kill stops this server only, and with it the session's processes, and
// removes its socket, which kill-server leaves behind.
func (t *tmuxServer) kill() error {
	path, _ := t.run(context.Background(), "display-message", "-p", "#{socket_path}")
	_, err := t.run(context.Background(), "kill-server")
	if path = strings.TrimSpace(path); path != "" {
		os.Remove(path)
	}
	return err
}
