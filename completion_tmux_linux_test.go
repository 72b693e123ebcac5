package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCompletionInTmux completes as a person would, in a real bash in a
// terminal: with conntab's script sourced, conntab li<TAB> offers list
// and listeners, conntab list --so<TAB> offers --sort and --source,
// --sou<TAB> becomes --source, and its value completes to the sources.
func TestCompletionInTmux(t *testing.T) {
	for _, tool := range []string{"tmux", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (.ci/run installs tmux)", tool)
		}
	}
	script := filepath.Join(t.TempDir(), "conntab.bash")
	if err := os.WriteFile(script, []byte(output(t, "completion", "bash")), 0o644); err != nil {
		t.Fatal(err)
	}
	session := fmt.Sprintf("conntab-completion-%d", os.Getpid())
	tmux := func(args ...string) (string, error) {
		out, err := exec.Command("tmux", append([]string{"-L", session}, args...)...).CombinedOutput()
		return string(out), err
	}
	shell := "env -i HOME=" + t.TempDir() + " TERM=xterm PATH=/usr/bin:/bin PS1='$ ' bash --norc --noprofile"
	if out, err := tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "20", shell); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	defer tmux("kill-server")
	keys := func(k ...string) {
		t.Helper()
		if out, err := tmux(append([]string{"send-keys", "-t", session}, k...)...); err != nil {
			t.Fatalf("send-keys %q: %v: %s", k, err, out)
		}
	}
	// waitFor waits for the screen's last lines to hold want, in order.
	waitFor := func(what string, want ...string) {
		t.Helper()
		var screen string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			screen, _ = tmux("capture-pane", "-p", "-t", session)
			if lastLinesHold(screen, want) {
				return
			}
		}
		t.Fatalf("waiting for %s %q; the screen is:\n%s", what, want, screen)
	}
	// One TAB lists ambiguous matches (readline would ring the bell first).
	keys("bind 'set show-all-if-ambiguous on'; source "+script+"; echo sourced", "Enter")
	waitFor("the script", "sourced", "$")
	keys("conntab li", "Tab")
	waitFor("the commands", "list", "listeners", "$ conntab list")
	keys("C-u", "conntab list --so", "Tab")
	waitFor("the flags", "--sort", "--source", "$ conntab list --so")
	keys("u", "Tab")
	waitFor("the flag", "$ conntab list --source")
	keys(" ", "Tab")
	waitFor("the sources", "auto", "netlink", "proc", "$ conntab list --source")
	keys("C-u")
}

// lastLinesHold reports whether the screen's last non-blank lines hold
// want's words in order, the last of them on the last line.
func lastLinesHold(screen string, want []string) bool {
	var lines []string
	for _, l := range strings.Split(screen, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, strings.TrimRight(l, " "))
		}
	}
	if len(lines) < 2 || !strings.HasPrefix(lines[len(lines)-1], want[len(want)-1]) {
		return false
	}
	text := strings.Join(lines[max(len(lines)-3, 0):], "\n")
	at := 0
	for _, w := range want {
		i := strings.Index(text[at:], w)
		if i < 0 {
			return false
		}
		at += i + len(w)
	}
	return true
}
