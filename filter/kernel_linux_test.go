package filter

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

func tupleList(socks []model.Socket, keep func(*model.Socket) bool) []string {
	var out []string
	for i := range socks {
		s := &socks[i]
		// ss 6.1 knows no BOUND_INACTIVE, so it never lists bound-only sockets.
		if s.State != model.StateBoundInactive && keep(s) {
			out = append(out, fmt.Sprintf("%s/%s %s %s -> %s", s.Proto, s.Family, s.State, s.Local, s.Remote))
		}
	}
	slices.Sort(out)
	return out
}

// TestKernelAgreesWithSS runs every case ss understands through ss and
// through conntab's filter on the same namespace: they select the same
// sockets.
func TestKernelAgreesWithSS(t *testing.T) {
	ns := nstest.Require(t)
	k, err := nstest.BuildKnownSet(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if _, err := nstest.SS(ns); errors.Is(err, exec.ErrNotFound) {
		t.Skip("ss (iproute2) or nsenter is not installed: .ci/run installs them")
	}

	all := func(*model.Socket) bool { return true }
	snap, err := collect.New(collect.Config{NetNS: ns.Path()}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(tupleList(k.Want, all), tupleList(snap.Sockets, all)); diff != "" {
		t.Fatalf("the namespace does not hold the known set (-want +got)\n%s", diff)
	}
	labels := &names.Labeler{Services: names.DefaultServices(), Host: &snap.Host}

	n := 0
	for _, c := range cases {
		if !c.ss {
			continue
		}
		n++
		t.Run(c.expr, func(t *testing.T) {
			fromSS, err := nstest.SS(ns, ssWords(c.expr)...)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(c.expr)
			if err != nil {
				t.Fatal(err)
			}
			m, err := f.Compile(labels)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tupleList(fromSS, all), tupleList(snap.Sockets, m.Match)); diff != "" {
				t.Errorf("(-ss +conntab)\n%s", diff)
			}
		})
	}
	if n < 40 {
		t.Errorf("only %d cases are compared with ss", n)
	}
}

// ssWords splits an expression into ss's arguments: ss wants parentheses
// as words of their own.
func ssWords(expr string) []string {
	return strings.Fields(strings.NewReplacer("(", " ( ", ")", " ) ").Replace(expr))
}
