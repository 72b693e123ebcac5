package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render"
)

func tuples(socks []model.Socket) []string {
	out := make([]string, len(socks))
	for i, s := range socks {
		out[i] = fmt.Sprintf("%s/%s %s %s -> %s", s.Proto, s.Family, s.State, s.Local, s.Remote)
	}
	slices.Sort(out)
	return out
}

// listJSON runs `conntab list ARGS --json` and reads back its sockets.
func listJSON(t *testing.T, args ...string) []model.Socket {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(t.Context(), append(append([]string{"list"}, args...), "--json"), &out, &errb); err != nil {
		t.Fatalf("conntab list %s: %v (stderr %q)", strings.Join(args, " "), err, errb.String())
	}
	return decodeNDJSON(t, &out)
}

// decodeNDJSON reads the sockets of a --json listing back.
func decodeNDJSON(t *testing.T, r io.Reader) []model.Socket {
	t.Helper()
	var socks []model.Socket
	dec := json.NewDecoder(r)
	for dec.More() {
		var j render.SocketJSON
		if err := dec.Decode(&j); err != nil {
			t.Fatal(err)
		}
		s := model.Socket{
			Local:  netip.AddrPortFrom(netip.MustParseAddr(j.Local.Addr), j.Local.Port),
			Remote: netip.AddrPortFrom(netip.MustParseAddr(j.Remote.Addr), j.Remote.Port),
		}
		var err error
		if s.State, err = model.ParseState(j.State); err != nil {
			t.Fatal(err)
		}
		s.Proto = map[string]model.Proto{"tcp": model.ProtoTCP, "udp": model.ProtoUDP}[j.Proto]
		s.Family = map[string]model.Family{"inet": model.FamilyInet, "inet6": model.FamilyInet6}[j.Family]
		socks = append(socks, s)
	}
	return socks
}

// knownSetWithSS makes a namespace holding one socket of each kind
// (nstest.BuildKnownSet), closed when the test ends, and what ss lists
// in it; without ss, the test is skipped.
func knownSetWithSS(t *testing.T) (*nstest.NS, []model.Socket) {
	t.Helper()
	ns := nstest.Require(t)
	k, err := nstest.BuildKnownSet(ns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	fromSS, err := nstest.SS(ns)
	if errors.Is(err, exec.ErrNotFound) {
		t.Skip("ss (iproute2) is not installed: .ci/run installs it")
	}
	if err != nil {
		t.Fatal(err)
	}
	return ns, fromSS
}

// TestKernelListAgreesWithSS: `conntab list -a` and `ss -tuan` list the same
// sockets of a namespace holding one of each kind, from either source.
func TestKernelListAgreesWithSS(t *testing.T) {
	ns, fromSS := knownSetWithSS(t)
	want := tuples(fromSS)
	// ss 6.1 does not know BOUND_INACTIVE, so it cannot list the bound-only
	// socket; everything else must match exactly.
	notBound := func(socks []model.Socket) []model.Socket {
		return slices.DeleteFunc(socks, func(s model.Socket) bool { return s.State == model.StateBoundInactive })
	}
	for _, source := range []string{"netlink", "proc"} {
		t.Run(source, func(t *testing.T) {
			got := tuples(notBound(listJSON(t, "-a", "-N", ns.Path(), "--source", source)))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-ss +conntab)\n%s", diff)
			}
		})
	}
	// The default listing is everything but listening sockets; TIME_WAIT stays.
	t.Run("default", func(t *testing.T) {
		var wantDefault []string
		for _, s := range fromSS {
			if s.State != model.StateListen && s.State != model.StateUnconn {
				wantDefault = append(wantDefault, tuples([]model.Socket{s})[0])
			}
		}
		slices.Sort(wantDefault)
		got := tuples(listJSON(t, "-N", ns.Path()))
		if diff := cmp.Diff(wantDefault, got); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
	})
}
