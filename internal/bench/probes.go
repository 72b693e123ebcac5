//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Probe indexes: pairs first (A, B), each pair alternated by roundOrder.
const (
	pConntab = iota
	pSS
	pConntabPin // conntab list -a -t on the -pin CPU alone
	pSSPin
	pConntabProc
	pNetstat
	pConntabListen
	pSSListen
	pConntabProcs
	pSSProcs
	pConntabPorts
	pConntabBeside // conntab list -a -t again, timed beside conntab ports
	pConntabServe  // conntab serve --once: one scrape's work, and a process start
	pServeBeside   // conntab list -a -t again, timed beside conntab serve --once
	pHelp          // conntab help: starting conntab, no sockets read
	pHello         // a static Go hello world: starting any Go program
	pBare
	pCat
	pTrue
	nProbes
)

// ratioPairs are the commands compared, each against the one after it.
var ratioPairs = [][2]int{{pConntab, pSS}, {pConntabPin, pSSPin}, {pConntabProc, pNetstat}, {pConntab, pBare},
	{pConntabListen, pSSListen}, {pConntabProcs, pSSProcs}, {pConntabPorts, pConntabBeside},
	{pConntabServe, pServeBeside}, {pHelp, pHello}}

// newProbes builds conntab and the hello world into tmp and lists the
// commands to time; a command that cannot run is kept with the reason it
// is skipped. bin is conntab's path, rev names the conntab that was
// built.
func newProbes(ctx context.Context, cfg config, tmp string, log io.Writer) (p []*probe, bin, rev string) {
	p = make([]*probe, nProbes)
	bin = filepath.Join(tmp, "conntab")
	pin := fmt.Sprintf(" (CPU %d alone)", cfg.pin)
	list := []string{bin, "list", "-a", "-t"}
	p[pConntab] = &probe{name: "conntab list -a -t", argv: list}
	p[pSS] = &probe{name: "ss -tan", argv: []string{"ss", "-tan"}}
	// The same pair on one core: conntab's parallel dumps then share it.
	p[pConntabPin] = &probe{name: "conntab list -a -t" + pin, argv: list, cpu: &cfg.pin}
	p[pSSPin] = &probe{name: "ss -tan" + pin, argv: []string{"ss", "-tan"}, cpu: &cfg.pin}
	p[pConntabProc] = &probe{name: "conntab list -a -t --source proc", argv: []string{bin, "list", "-a", "-t", "--source", "proc"}}
	p[pNetstat] = &probe{name: "netstat -tan", argv: []string{"netstat", "-tan"}}
	// A state filter is handed to the kernel: only the listeners are read.
	p[pConntabListen] = &probe{name: "conntab list -t state listening", argv: []string{bin, "list", "-t", "state", "listening"}}
	p[pSSListen] = &probe{name: "ss -tan state listening", argv: []string{"ss", "-tan", "state", "listening"}}
	// Process attribution: the holders own the ESTABLISHED sockets.
	p[pConntabProcs] = &probe{name: "conntab list -a -t -p", argv: []string{bin, "list", "-a", "-t", "-p"}}
	p[pSSProcs] = &probe{name: "ss -tanp", argv: []string{"ss", "-tanp"}}
	// The ports report reads TCP sockets and the settings and counters.
	p[pConntabPorts] = &probe{name: "conntab ports", argv: []string{bin, "ports"}}
	p[pConntabBeside] = &probe{name: "conntab list -a -t (beside ports)", argv: list}
	// One scrape of the exporter: the snapshot, the index of pools and the
	// exposition, in a process of its own (a running exporter pays no
	// process start, so this is the dearer side).
	p[pConntabServe] = &probe{name: "conntab serve --once", argv: []string{bin, "serve", "--once"}}
	p[pServeBeside] = &probe{name: "conntab list -a -t (beside serve)", argv: list}
	p[pHelp] = &probe{name: "conntab help", argv: []string{bin, "help"}}
	hello := filepath.Join(tmp, "hello")
	p[pHello] = &probe{name: "static Go hello world", argv: []string{hello}}
	self, _ := os.Executable()
	p[pBare] = &probe{name: "bare inet_diag dump (32 KiB buffer)", argv: []string{self, bareDumpArg}}
	p[pCat] = &probe{name: "cat /proc/net/tcp /proc/net/tcp6", argv: []string{"cat", "/proc/net/tcp", "/proc/net/tcp6"}}
	// The cost of starting any process.
	p[pTrue] = &probe{name: "true", argv: []string{"true"}}

	rev, err := buildConntab(ctx, cfg.repo, bin)
	if err != nil {
		fmt.Fprintf(log, "skipping conntab: %v\n", err)
		for _, q := range p {
			if q.argv[0] == bin {
				q.skip = "conntab does not build: " + oneLine(err)
			}
		}
	}
	if err := buildHello(ctx, filepath.Join(tmp, "hello-src"), hello); err != nil {
		fmt.Fprintf(log, "skipping the hello world: %v\n", err)
		p[pHello].skip = "does not build: " + oneLine(err)
	}
	resolve(p)
	return p, bin, rev
}

// resolve makes every probe's command an absolute path (the spawner
// starts it with execve), or skips the probe with the reason.
func resolve(p []*probe) {
	for _, q := range p {
		if q.skip != "" || filepath.IsAbs(q.argv[0]) {
			continue
		}
		path, err := exec.LookPath(q.argv[0])
		if err != nil {
			q.skip = oneLine(err)
			continue
		}
		q.argv = append([]string{path}, q.argv[1:]...)
	}
}

// helloSource is the program conntab help is weighed against: the least
// a Go program costs to start, print a line and exit.
const helloSource = `package main

import "fmt"

func main() { fmt.Println("hello, world") }
`

// buildHello builds helloSource into bin as conntab is built: static,
// CGO_ENABLED=0.
func buildHello(ctx context.Context, dir, bin string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(helloSource), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n"), 0o644); err != nil {
		return err
	}
	return goBuild(ctx, dir, bin)
}

// goBuild runs go build -o bin in dir without cgo, which net (imported by
// netlink and procfs) would otherwise link, and with it the dynamic
// loader and libc at every start: as a release is built.
func goBuild(ctx context.Context, dir, bin string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			if j := strings.IndexByte(msg[i+1:], '\n'); j >= 0 {
				msg = msg[:i+1+j] // two lines are enough
			}
		}
		return fmt.Errorf("go build: %w: %s", err, msg)
	}
	return nil
}

// buildConntab builds the module at repo (or the one the working directory
// is in) into bin, and names the revision it built: git describe's, with
// "-dirty" for uncommitted changes, or the directory outside git.
func buildConntab(ctx context.Context, repo, bin string) (rev string, err error) {
	if repo == "" {
		out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
		if err != nil {
			return "", fmt.Errorf("go env GOMOD: %w", err)
		}
		mod := strings.TrimSpace(string(out))
		if mod == "" || mod == os.DevNull {
			return "", errors.New("not inside a Go module: run from conntab's repository or pass -repo")
		}
		repo = filepath.Dir(mod)
	}
	rev = repo
	if out, err := exec.CommandContext(ctx, "git", "-C", repo, "describe", "--always", "--dirty").Output(); err == nil {
		rev = strings.TrimSpace(string(out))
	}
	return rev, goBuild(ctx, repo, bin)
}
