package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	promodel "github.com/prometheus/common/model"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/cli"
	"github.com/conntab/conntab/render"
	"github.com/prometheus/common/expfmt"
)

// Tests of the commands against this machine's own kernel: they read
// the live namespace the test runs in, so they are Linux-only.

// The audit of this host, as anyone may run it.
func TestListenersLive(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(t.Context(), []string{"listeners", "--json", "--check"}, &out, &errb)
	if s := cli.Status(err); s != 0 && s != 3 && s != 4 {
		t.Fatalf("exit %d (%v)\n%s", s, err, errb.String())
	}
	var j render.ListenersJSON
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		t.Fatal(err)
	}
	if j.Taken.IsZero() || j.Source == "" || j.UnprivilegedPortStart == nil {
		t.Errorf("taken %v, source %q, ip_unprivileged_port_start %v", j.Taken, j.Source, j.UnprivilegedPortStart)
	}
}

// The report on this host, as anyone may run it: text and JSON.
func TestPortsLive(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"ports"}, &out, &errb); err != nil {
		t.Fatalf("%v\nstderr: %s", err, errb.String())
	}
	if !strings.HasPrefix(out.String(), "conntab ports: netns ") || !strings.Contains(out.String(), "\nsettings: tcp_tw_reuse ") {
		t.Errorf("unexpected report:\n%s", out.String())
	}

	out.Reset()
	err := run(t.Context(), []string{"ports", "--json", "--check"}, &out, &errb)
	if s := cli.Status(err); s != 0 && s != 3 && s != 4 {
		t.Fatalf("--check: exit %d (%v)", s, err)
	}
	var j render.PortsJSON
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		t.Fatal(err)
	}
	if !j.Settings.Read || !j.Counters.Read || j.Ephemeral.Size == 0 || j.Taken.IsZero() {
		t.Errorf("settings read %v, counters read %v, range %+v, taken %v", j.Settings.Read, j.Counters.Read, j.Ephemeral, j.Taken)
	}
	if want := map[analyze.Severity]int{analyze.SeverityWarn: 3, analyze.SeverityCritical: 4}; cli.Status(err) != want[severityNamed(j.Severity)] {
		t.Errorf("severity %q but exit %d", j.Severity, cli.Status(err))
	}
}

// TestNoTerminalLists: conntab with no arguments, in a pipe, prints the
// listing and says on stderr why it did not open the dashboard.
func TestNoTerminalLists(t *testing.T) {
	if isTerminal() {
		t.Skip("stdin and stdout are a terminal: conntab would open the dashboard")
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "Netid") {
		t.Errorf("stdout is not the listing:\n%s", out.String())
	}
	if !strings.Contains(errOut.String(), "not a terminal") {
		t.Errorf("stderr does not say why: %q", errOut.String())
	}
}

// conntab serve, run as a user would, on this host: it serves until
// interrupted, and its exposition parses.
func TestServeLive(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(t.Context())
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--listen", addr}, io.Discard, &stderr) }()
	var body string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		break
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "serving metrics on http://"+addr+"/metrics") {
		t.Errorf("stderr: %q", stderr.String())
	}
	p := expfmt.NewTextParser(promodel.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(bufio.NewReader(strings.NewReader(body)))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, body)
	}
	if mfs["conntab_collect_success"].GetMetric()[0].GetGauge().GetValue() != 1 || mfs["conntab_sockets"] == nil {
		t.Errorf("exposition:\n%s", body)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Issue 15, item 1: -N naming a namespace that cannot be entered is an
// error before anything listens or is written, naming the namespace and
// why, not a server whose every scrape fails; with --once too.
func TestServeNoSuchNamespace(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	for _, args := range [][]string{
		{"serve", "-N", "conntab-test-nosuchns", "--listen", addr},
		{"serve", "-N", "conntab-test-nosuchns", "--once"},
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		var stdout, stderr syncBuffer
		done := make(chan error, 1)
		go func() { done <- run(ctx, args, &stdout, &stderr) }()
		var err error
		select {
		case err = <-done:
		case <-time.After(5 * time.Second):
			cancel()
			err = <-done
			t.Errorf("%q was still running after 5s", args)
		}
		cancel()
		if err == nil || !strings.Contains(err.Error(), "conntab-test-nosuchns") || cli.Status(err) != 1 {
			t.Errorf("%q: %v (exit %d), want exit 1 naming the namespace", args, err, cli.Status(err))
		}
		if os.Geteuid() == 0 && (err == nil || !strings.Contains(err.Error(), "/run/netns/conntab-test-nosuchns: no such file or directory")) {
			t.Errorf("%q: %v, want why (no such file)", args, err)
		}
		if out := stdout.String() + stderr.String(); out != "" {
			t.Errorf("%q wrote %q", args, out)
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			t.Errorf("%q: something listens on %s", args, addr)
		}
	}
}

// Issue 15, item 1: conntab top -N naming a namespace that cannot be
// entered is an error (exit 1) before the terminal is asked for, not a
// blank screen; here, without a terminal, it is that error and not "needs
// a terminal" (exit 2).
func TestTopNoSuchNamespace(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"top", "-N", "conntab-test-nosuchns"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "conntab-test-nosuchns") || cli.Status(err) != 1 {
		t.Errorf("%v (exit %d), want exit 1 naming the namespace", err, cli.Status(err))
	}
	if os.Geteuid() == 0 && (err == nil || !strings.Contains(err.Error(), "/run/netns/conntab-test-nosuchns: no such file or directory")) {
		t.Errorf("%v, want why (no such file)", err)
	}
	if out := stdout.String() + stderr.String(); out != "" {
		t.Errorf("wrote %q", out)
	}
}

// conntab serve --once writes one scrape to stdout and exits.
func TestServeOnce(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"serve", "--once"}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	p := expfmt.NewTextParser(promodel.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(&out)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"conntab_sockets", "conntab_collect_success", "conntab_build_info", "conntab_pool_utilisation_max_ratio"} {
		if mfs[name] == nil {
			t.Errorf("no %s", name)
		}
	}
}
