package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
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
