package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	promodel "github.com/prometheus/common/model"
)

func TestServeUsageErrors(t *testing.T) {
	checkUsageErrors(t, []usageCase{
		{[]string{"serve", "--listen", "10311"}, `"10311"`},
		{[]string{"serve", "--top", "-1"}, `"-1"`},
		{[]string{"serve", "--timeout", "5ms"}, `"5ms"`},
		{[]string{"serve", "--source", "kernel"}, `"kernel"`},
		{[]string{"serve", "stray"}, `"stray"`},
	})
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
		if err == nil || !strings.Contains(err.Error(), "conntab-test-nosuchns") || exitCode(err) != 1 {
			t.Errorf("%q: %v (exit %d), want exit 1 naming the namespace", args, err, exitCode(err))
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
