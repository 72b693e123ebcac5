package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
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

// The binary writes its metrics itself: no Prometheus library or
// protobuf is linked, whose package initialisers every command paid for
// at start-up (docs/architecture.md). The tests may use them.
func TestServeNoPrometheusLibrary(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", ".")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		// Without the list the test would pass having checked nothing.
		t.Fatalf("go list -deps .: %v\n%s", err, stderr.Bytes())
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps . listed %q", deps)
	}
	for _, p := range deps {
		for _, banned := range []string{"github.com/prometheus/", "google.golang.org/protobuf/", "github.com/munnerz/goautoneg"} {
			if strings.HasPrefix(p, banned) {
				t.Errorf("conntab links %s", p)
			}
		}
	}
}
