package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/conntab/conntab/internal/nstest"
)

// TestKernelListResolve: in a namespace holding a listener on 127.0.0.1
// and a connection to it, `list -r` shows localhost:PORT at both ends of
// every socket, as `ss -r` does in the same namespace (127.0.0.1 is named
// by /etc/hosts: nothing leaves the host), and the listing without -r
// keeps the numbers.
func TestKernelListResolve(t *testing.T) {
	ns := nstest.Require(t)
	if _, err := exec.LookPath("ss"); err != nil {
		t.Skip("ss (iproute2) is not installed: .ci/run installs it")
	}
	ln, err := ns.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := ns.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	port := ln.Addr().String()[len("127.0.0.1:"):]
	cport := c.LocalAddr().String()[len("127.0.0.1:"):]
	want := []string{
		"ESTAB localhost:" + cport + " localhost:" + port,
		"ESTAB localhost:" + port + " localhost:" + cport,
	}
	slices.Sort(want)

	var ss bytes.Buffer
	cmd := ns.Command("ss", "-tnrH", "state", "established")
	cmd.Stdout = &ss
	if err := cmd.Run(); err != nil {
		t.Fatalf("ss -tnrH: %v", err)
	}
	if got := ends(ss.String(), 2, "ESTAB"); !slices.Equal(got, want) {
		t.Errorf("ss -r in the namespace: %q, want %q", got, want)
	}

	for _, resolve := range []bool{true, false} {
		args := []string{"list", "-t", "-N", ns.Path(), "-H"}
		if resolve {
			args = append(args, "-r")
		}
		var out, errb bytes.Buffer
		if err := run(t.Context(), args, &out, &errb); err != nil {
			t.Fatalf("%v (stderr %q)", err, errb.String())
		}
		got := ends(out.String(), 4, "")
		exp := []string{
			"ESTABLISHED 127.0.0.1:" + cport + " 127.0.0.1:" + port,
			"ESTABLISHED 127.0.0.1:" + port + " 127.0.0.1:" + cport,
		}
		if resolve {
			exp = []string{strings.Replace(want[0], "ESTAB", "ESTABLISHED", 1), strings.Replace(want[1], "ESTAB", "ESTABLISHED", 1)}
		}
		slices.Sort(exp)
		if !slices.Equal(got, exp) {
			t.Errorf("%s: %q, want %q\n%s", strings.Join(args, " "), got, exp, out.String())
		}
	}
}

// ends is each line's state (state, when the tool leaves it out), and the
// local and peer cells that start at field first, sorted.
func ends(out string, first int, state string) []string {
	var rows []string
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) < first+2 {
			continue
		}
		st := state
		if st == "" {
			st = f[1]
		}
		rows = append(rows, fmt.Sprintf("%s %s %s", st, f[first], f[first+1]))
	}
	slices.Sort(rows)
	return rows
}
