//go:build linux

package render_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/conntab/conntab/collect"
	"github.com/conntab/conntab/internal/nstest"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
	"github.com/conntab/conntab/render"
)

// TestListenerBacklogLive makes a listener with a backlog of 7 in a
// namespace and lists it as conntab list -tl does, from each source. ss
// (sock_diag) says Send-Q 7; netlink agrees; /proc prints 0, which the
// listing must show as unknown rather than as a backlog of 0.
func TestListenerBacklogLive(t *testing.T) {
	ns := nstest.Require(t)
	err := ns.Do(func() error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		t.Cleanup(func() { unix.Close(fd) })
		if err := unix.Bind(fd, &unix.SockaddrInet4{Port: 7400, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			return err
		}
		return unix.Listen(fd, 7)
	})
	if err != nil {
		t.Fatal(err)
	}

	var ssOut bytes.Buffer
	cmd := ns.Command("ss", "-ltnH")
	cmd.Stdout = &ssOut
	if err := cmd.Run(); errors.Is(err, exec.ErrNotFound) {
		t.Skipf("not comparing with ss: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	// State Recv-Q Send-Q Local Peer
	if f := strings.Fields(ssOut.String()); len(f) < 5 || f[2] != "7" || f[3] != "127.0.0.1:7400" {
		t.Fatalf("ss -ltnH: %q, want Send-Q 7 on 127.0.0.1:7400", ssOut.String())
	}

	for _, tc := range []struct {
		mode               collect.Mode
		text, json, csvVal string
	}{
		{collect.ModeNetlink, "7", `"send_q":7,"accept_q":0,"backlog":7`, "7"},
		{collect.ModeProc, render.Unknown, `"send_q":null,"accept_q":0,"backlog":null`, ""},
	} {
		snap, err := collect.New(collect.Config{Mode: tc.mode, NetNS: ns.Path(), Protos: []model.Proto{model.ProtoTCP},
			States: model.ListeningStateSet}).Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		l := &render.Labeler{Labeler: names.Labeler{Services: names.DefaultServices(), Host: &snap.Host, Snapshot: snap}}
		list := func(f render.ListingFormat) string {
			var b bytes.Buffer
			w := bufio.NewWriter(&b)
			render.Listing(w, snap, render.ListingOptions{Format: f, NoHeader: true}, l)
			w.Flush()
			return b.String()
		}
		if f := strings.Fields(list(render.ListingTable)); len(f) < 5 || f[3] != tc.text {
			t.Errorf("%v: listing %q, want Send-Q %s", snap.Source, f, tc.text)
		}
		if got := list(render.ListingJSON); !strings.Contains(got, tc.json) {
			t.Errorf("%v: JSON %s, want %s", snap.Source, got, tc.json)
		}
		if f := strings.Split(list(render.ListingCSV), ","); len(f) < 5 || f[4] != tc.csvVal {
			t.Errorf("%v: CSV %q, want send_q %q", snap.Source, f, tc.csvVal)
		}
	}
}
