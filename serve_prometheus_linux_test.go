package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conntab/conntab/internal/nstest"
)

// freePort is a loopback address nothing listens on, for a server the test
// starts by name (a small race: another process could take it first).
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `conntab serve -N ns --listen ADDR` in this process
// until the test ends and returns its address once it answers.
func startServe(t *testing.T, ns string, args ...string) string {
	t.Helper()
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "-N", ns, "--listen", addr}, args...), io.Discard, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("conntab serve: %v\n%s", err, stderr.String())
		}
	})
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
	}
	t.Fatalf("conntab serve did not listen on %s\n%s", addr, stderr.String())
	return ""
}

// startPrometheus runs Debian's prometheus on loopback, scraping target
// every second, until the test ends, and returns its address once ready.
func startPrometheus(t *testing.T, target string) string {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("no prometheus binary (Debian's prometheus package; .ci/run installs it)")
	}
	dir := t.TempDir()
	config := fmt.Sprintf(`global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: conntab
    static_configs: [{targets: [%q]}]
`, target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	var logs syncBuffer
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		waited := make(chan struct{})
		go func() { cmd.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-waited
		}
	})
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return addr
			}
		}
	}
	t.Fatalf("prometheus was not ready on %s\n%s", addr, logs.String())
	return ""
}

// query asks Prometheus for one value of an instant query, and whether
// the result had one.
func query(t *testing.T, prom, q string) (float64, bool) {
	t.Helper()
	resp, err := http.Get("http://" + prom + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Status string
		Data   struct {
			Result []struct {
				Value [2]any
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.Status != "success" {
		t.Fatalf("query %s: %v (status %q)", q, err, r.Status)
	}
	if len(r.Data.Result) != 1 {
		return 0, false
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// TestServePrometheus is issue 8's acceptance: a real Prometheus server
// scrapes conntab serve, which reads a namespace holding 60 connections
// and 100 TIME_WAIT sockets to 127.0.0.1:5432 out of an ephemeral range
// of 200 ports, one of them held by a listener; Prometheus's query API
// then says 100 TIME_WAIT and a pool at 160/199.
func TestServePrometheus(t *testing.T) {
	p := newPortsNS(t)
	db := netip.MustParseAddrPort("127.0.0.1:5432")
	p.serve(db.String())
	p.serve("127.0.0.1:40100")
	p.hold(60, db, netip.Addr{})
	p.timeWait(100, db)
	// TIME_WAIT lasts 60 s: everything below must be done well before.
	made := time.Now()

	target := startServe(t, p.ns.Path(), "--timeout", "900ms")
	if promtool, err := exec.LookPath("promtool"); err == nil {
		resp, err := http.Get("http://" + target + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = bytes.NewReader(body)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	}
	prom := startPrometheus(t, target)

	checks := []struct {
		query string
		want  float64
	}{
		{`sum(conntab_sockets{state="TIME_WAIT"})`, 100},
		{`conntab_pool_utilisation_ratio{local="127.0.0.1",remote="127.0.0.1:5432"}`, 160.0 / 199},
		{`conntab_pool_in_use_ports{local="127.0.0.1",remote="127.0.0.1:5432"}`, 160},
		{`conntab_pool_utilisation_max_ratio`, 160.0 / 199},
		{`conntab_destination_time_wait_sockets{remote="127.0.0.1:5432"}`, 100},
		{`conntab_ephemeral_usable_ports`, 199},
		{`up{job="conntab"}`, 1},
	}
	for _, c := range checks {
		var got float64
		var ok bool
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
			if got, ok = query(t, prom, c.query); ok && got == c.want {
				break
			}
		}
		if !ok || got != c.want {
			t.Errorf("%s = %v (result %v), want %v\n%s", c.query, got, ok, c.want, targetHealth(t, prom))
		}
	}
	if age := time.Since(made); age > 55*time.Second {
		t.Errorf("the checks took %v: the TIME_WAIT sockets may have expired under them", age)
	}
}

// targetHealth is what Prometheus says of its scrapes and what the last
// scrape said of conntab's snapshot, to explain a failure.
func targetHealth(t *testing.T, prom string) string {
	t.Helper()
	resp, err := http.Get("http://" + prom + "/api/v1/targets")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var r struct {
		Data struct {
			ActiveTargets []struct {
				Health, LastError  string
				LastScrapeDuration float64
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return err.Error()
	}
	success, _ := query(t, prom, "conntab_collect_success")
	took, _ := query(t, prom, "conntab_collect_duration_seconds")
	return fmt.Sprintf("targets %+v; conntab_collect_success %v, conntab_collect_duration_seconds %v", r.Data.ActiveTargets, success, took)
}

// Issue 15, item 1, the other half: a namespace that goes away while
// conntab serve runs is not an error that stops it: the scrapes say so
// (conntab_collect_success 0) and it goes on serving.
func TestServeNamespaceVanishes(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace: run as root (CI does)")
	}
	ns, err := nstest.Create()
	if errors.Is(err, nstest.ErrUnshare) || errors.Is(err, nstest.ErrUnsupported) {
		t.Skipf("cannot create a network namespace: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	addr := startServe(t, ns.Path())
	scrape := func() string {
		t.Helper()
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s\n%s", resp.Status, b)
		}
		return string(b)
	}
	if body := scrape(); !strings.Contains(body, "conntab_collect_success 1\n") {
		t.Errorf("while the namespace lives:\n%s", body)
	}
	if err := ns.Close(); err != nil {
		t.Fatal(err)
	}
	if body := scrape(); !strings.Contains(body, "conntab_collect_success 0\n") {
		t.Errorf("once the namespace is gone:\n%s", body)
	}
}

// docs/alerts.yml is valid rules, as promtool reads them.
func TestAlertRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("no promtool (Debian's prometheus package; .ci/run installs it)")
	}
	out, err := exec.Command(promtool, "check", "rules", "--lint-fatal", filepath.Join("docs", "alerts.yml")).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}
