//go:build linux

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// child is this binary re-executed inside the namespace in one of its
// hidden modes, answering one line on stdout per line on stdin. It exits
// when its stdin closes.
type child struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	replies chan string // closed when the child's stdout closes
	exited  chan struct{}
}

// start runs this binary with args inside the namespace: forked from a
// thread that joined it, the child is in it from its first instruction.
func (f *fixture) start(args ...string) (*child, error) {
	cmd := exec.Command(f.self, args...)
	cmd.Stderr = f.log
	// Its own process group keeps Ctrl-C for the harness, which then
	// stops children in order; Pdeathsig covers a harness that dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := f.ns.Do(cmd.Start); err != nil {
		return nil, fmt.Errorf("starting %s: %w", strings.Join(args, " "), err)
	}
	c := &child{cmd: cmd, in: in, replies: make(chan string, 16), exited: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			c.replies <- sc.Text()
		}
		close(c.replies)
		cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// request sends one line and waits for the answer.
func (c *child) request(ctx context.Context, line string, timeout time.Duration) (string, error) {
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		return "", err
	}
	return c.reply(ctx, timeout)
}

// reply waits for the child's next line, which must not be an error.
func (c *child) reply(ctx context.Context, timeout time.Duration) (string, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case line, ok := <-c.replies:
		if !ok {
			return "", errors.New("exited")
		}
		if strings.HasPrefix(line, respError) {
			return "", errors.New(line)
		}
		return line, nil
	case <-t.C:
		return "", fmt.Errorf("no answer in %v", timeout)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
