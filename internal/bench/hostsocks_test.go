//go:build linux

package main

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSlabinfo(t *testing.T) {
	f, err := os.Open("testdata/slabinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := parseSlabinfo(f)
	if err != nil {
		t.Fatal(err)
	}
	want := slabCounts{tcp: 75056, tcp6: 33909, tw: 223543, tw6: 64, ok: true}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(slabCounts{})); diff != "" {
		t.Errorf("parseSlabinfo(testdata/slabinfo) (-want +got):\n%s", diff)
	}
	if s := got.String(); s != "332,572 TCP sockets (full: 75,056 IPv4, 33,909 IPv6; TIME_WAIT: 223,543 IPv4, 64 IPv6)" {
		t.Errorf("String() = %q", s)
	}

	// A cache missing (merged, or a kernel that names it otherwise) is
	// not ok; a count that is not one is an error.
	got, err = parseSlabinfo(strings.NewReader("TCP 5 6 2368\nTCPv6 1 1 2496\n"))
	if err != nil || got.ok {
		t.Errorf("two caches of four: %+v, %v; want not ok, no error", got, err)
	}
	if got.String() != "not readable (/proc/slabinfo)" {
		t.Errorf("String() of not ok = %q", got.String())
	}
	if _, err := parseSlabinfo(strings.NewReader("TCP x 6 2368\n")); err == nil {
		t.Error("TCP x: want an error")
	}
}

func FuzzParseSlabinfo(f *testing.F) {
	b, err := os.ReadFile("testdata/slabinfo")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Add("TCP 1\nTCPv6 2\ntw_sock_TCP 3\ntw_sock_TCPv6 4\n")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseSlabinfo(strings.NewReader(s))
		if err != nil {
			return
		}
		if got.tcp < 0 || got.tcp6 < 0 || got.tw < 0 || got.tw6 < 0 {
			t.Fatalf("parseSlabinfo(%q) = %+v: negative count", s, got)
		}
	})
}

func TestThousands(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 130120: "130,120",
		1000000: "1,000,000", -1234: "-1,234"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%d) = %q, want %q", in, got, want)
		}
	}
}
