//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/internal/nstest"
)

// fixture is the namespace and the holders that fill it.
type fixture struct {
	ns      *nstest.NS
	self    string // this binary, re-executed as holder, spawner and bare dump
	holders []*child
	spawner *child
	log     io.Writer
	// twMade is when the current TIME_WAIT batch began to be made.
	twMade time.Time
	// built is how long the holders took to make the ESTABLISHED and UDP
	// sockets.
	built time.Duration
	// Once the first TIME_WAIT batch is made: how long it took, the
	// host's memory in use (KiB, MemTotal - MemAvailable) and its
	// processes' descriptors.
	firstTWTook time.Duration
	peakMem     int64
	peakFDs     hostFDs
}

// sysctls make room for the fixture inside the namespace only.
func sysctls(cfg config) []struct{ name, value string } {
	return []struct{ name, value string }{
		{"net.ipv4.ip_local_port_range", "1024 65535"},
		{"net.ipv4.tcp_max_tw_buckets", strconv.Itoa(twBuckets(cfg.timeWait))},
		// Loopback reuse (tcp_tw_reuse=2, the default) would let new
		// connections recycle TIME_WAIT sockets and shrink the batch.
		{"net.ipv4.tcp_tw_reuse", "0"},
		// A stray reset (a few per 40,000 connections on a loaded machine)
		// would kill a TIME_WAIT socket; RFC 1337 behaviour ignores it.
		{"net.ipv4.tcp_rfc1337", "1"},
	}
}

// twBuckets is the namespace's tcp_max_tw_buckets: room for twice the
// batch, and never below 262144.
func twBuckets(timeWait int) int { return max(262144, 2*timeWait) }

// newFixture makes the namespace and fills it with the ESTABLISHED and UDP
// sockets; TIME_WAIT sockets come later, from makeTimeWait. The spawner,
// which runs the timed commands, is started if withSpawner.
func newFixture(ctx context.Context, cfg config, withSpawner bool, log io.Writer) (f *fixture, err error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	ns, err := nstest.Create()
	if err != nil {
		return nil, err
	}
	f = &fixture{ns: ns, self: self, log: log}
	defer func() {
		if err != nil {
			f.close()
			f = nil
		}
	}()
	for _, s := range sysctls(cfg) {
		if err := ns.Sysctl(s.name, s.value); err != nil {
			return f, err
		}
	}
	if withSpawner {
		spawnArgs := []string{spawnArg}
		if cfg.oneCPU {
			spawnArgs = append(spawnArgs, "-cpu", strconv.Itoa(cfg.cpu))
		}
		if f.spawner, err = f.start(spawnArgs...); err != nil {
			return f, err
		}
	}
	start := time.Now()
	for i := range cfg.holders {
		h, err := f.start(holderArg, "-index", strconv.Itoa(i),
			"-conns", strconv.Itoa(share(cfg.conns, cfg.holders, i)), "-udp", strconv.Itoa(share(cfg.udp, cfg.holders, i)))
		if err != nil {
			return f, err
		}
		f.holders = append(f.holders, h)
	}
	for i, h := range f.holders {
		line, err := h.reply(ctx, 3*time.Minute)
		if err == nil && !strings.HasPrefix(line, respReady) {
			err = fmt.Errorf("unexpected answer %q", line)
		}
		if err != nil {
			return f, fmt.Errorf("holder %d: %w", i, err)
		}
		fmt.Fprintf(log, "holder %d (pid %d): %s\n", i, h.cmd.Process.Pid, line)
	}
	f.built = time.Since(start)
	fmt.Fprintf(log, "ESTABLISHED and UDP sockets made in %v\n", f.built.Round(time.Millisecond))
	return f, nil
}

// makeTimeWait destroys the TIME_WAIT sockets left from an earlier batch
// and makes n new ones, spread over the holders.
func (f *fixture) makeTimeWait(ctx context.Context, n int) error {
	if err := f.dropTimeWait(ctx); err != nil {
		return err
	}
	f.twMade = time.Now()
	for i, h := range f.holders {
		if _, err := fmt.Fprintf(h.in, "%s %d\n", reqTimeWait, share(n, len(f.holders), i)); err != nil {
			return fmt.Errorf("holder %d: %w", i, err)
		}
	}
	for i, h := range f.holders {
		if _, err := h.reply(ctx, 2*time.Minute); err != nil {
			return fmt.Errorf("holder %d: TIME_WAIT: %w", i, err)
		}
	}
	// The last ACKs are processed by the time close returns on loopback;
	// wait a moment in case a few are not.
	deadline := time.Now().Add(time.Second)
	for {
		s, err := f.sockstat()
		if err != nil {
			return err
		}
		if s["TCP"]["tw"] >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	took := time.Since(f.twMade)
	if f.firstTWTook == 0 {
		f.firstTWTook, f.peakMem, f.peakFDs = took, memUsed(), readHostFDs()
	}
	fmt.Fprintf(f.log, "%d TIME_WAIT sockets made in %v (%.0f a second)\n", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
	return nil
}

// dropTimeWait empties the namespace of TIME_WAIT sockets: ss -K destroys
// them through sock_diag (kernels with CONFIG_INET_DIAG_DESTROY);
// otherwise they are waited out.
func (f *fixture) dropTimeWait(ctx context.Context) error {
	s, err := f.sockstat()
	if err != nil || s["TCP"]["tw"] == 0 {
		return err
	}
	cmd := exec.CommandContext(ctx, "ss", "-K", "-tan", "state", "time-wait")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := f.ns.Do(cmd.Run); err != nil {
		fmt.Fprintf(f.log, "ss -K state time-wait: %v %s; waiting for TIME_WAIT to expire\n", err, strings.TrimSpace(stderr.String()))
	}
	deadline := time.Now().Add(70 * time.Second)
	for {
		s, err := f.sockstat()
		if err != nil {
			return err
		}
		if s["TCP"]["tw"] == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d TIME_WAIT sockets still there after 70 s", s["TCP"]["tw"])
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// sockstat reads the namespace's /proc/net/sockstat.
func (f *fixture) sockstat() (map[string]map[string]int, error) {
	var out map[string]map[string]int
	err := f.ns.Do(func() error {
		// /proc/net follows the main thread; thread-self is this one.
		file, err := os.Open("/proc/thread-self/net/sockstat")
		if err != nil {
			return err
		}
		defer file.Close()
		out, err = parseSockstat(file)
		return err
	})
	return out, err
}

// counts reads the namespace's socket counts; nothing of a nil fixture.
func (f *fixture) counts() (counts, error) {
	var c counts
	if f == nil {
		return c, nil
	}
	err := f.ns.Do(func() error {
		var err error
		if c.TCP, c.TCP6, err = stateCounts(unix.IPPROTO_TCP); err != nil {
			return err
		}
		c.UDP, c.UDP6, err = stateCounts(unix.IPPROTO_UDP)
		return err
	})
	if err != nil {
		return c, err
	}
	c.Sockstat, err = f.sockstat()
	return c, err
}

// close stops the holders and the spawner (closing stdin asks them to
// exit; SIGKILL if they linger) and releases the namespace, which the
// kernel then frees with every socket in it. Closing a nil or closed
// fixture does nothing.
func (f *fixture) close() error {
	if f == nil || f.ns == nil {
		return nil
	}
	children := f.holders
	if f.spawner != nil {
		children = append(children, f.spawner)
	}
	for _, c := range children {
		c.in.Close()
	}
	wait, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range children {
		select {
		case <-c.exited:
		case <-wait.Done():
			// A holder still filling does not read stdin yet.
			fmt.Fprintf(f.log, "%s did not exit; killing it\n", strings.Join(c.cmd.Args[1:], " "))
			c.cmd.Process.Kill()
			<-c.exited
		}
	}
	f.holders, f.spawner = nil, nil
	err := f.ns.Close()
	f.ns = nil
	return err
}
