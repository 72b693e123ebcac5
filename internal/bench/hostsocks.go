//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/conntab/conntab/internal/nstest"
)

// The kernel's TCP hash tables are shared by every network namespace
// (unless tcp_child_ehash_entries gave one its own), so a dump walks the
// other namespaces' sockets too, the second namespace's and whatever else
// runs on the host. The report says how many there were.

// slabCounts are the host's TCP socket objects, every namespace's, from
// /proc/slabinfo's active objects: full sockets over IPv4 and IPv6, and
// TIME_WAIT ones.
type slabCounts struct {
	tcp, tcp6, tw, tw6 int64
	ok                 bool
}

// slabNames are the caches counted, by /proc/slabinfo's names.
var slabNames = []string{"TCP", "TCPv6", "tw_sock_TCP", "tw_sock_TCPv6"}

// parseSlabinfo reads /proc/slabinfo (version 2.1: a name, then active
// objects). ok says every cache of slabNames was found.
func parseSlabinfo(r io.Reader) (slabCounts, error) {
	var s slabCounts
	found := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		var dst *int64
		switch f[0] {
		case "TCP":
			dst = &s.tcp
		case "TCPv6":
			dst = &s.tcp6
		case "tw_sock_TCP":
			dst = &s.tw
		case "tw_sock_TCPv6":
			dst = &s.tw6
		default:
			continue
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || n < 0 {
			return slabCounts{}, fmt.Errorf("bench: /proc/slabinfo line %q: active objects not a count", sc.Text())
		}
		*dst = n
		found++
	}
	if err := sc.Err(); err != nil {
		return slabCounts{}, err
	}
	s.ok = found == len(slabNames)
	return s, nil
}

// readSlabCounts reads /proc/slabinfo; not ok when it cannot.
func readSlabCounts() slabCounts {
	f, err := os.Open("/proc/slabinfo")
	if err != nil {
		return slabCounts{}
	}
	defer f.Close()
	s, err := parseSlabinfo(f)
	if err != nil {
		return slabCounts{}
	}
	return s
}

// String says the total and each cache's count, or that /proc/slabinfo
// could not be read.
func (s slabCounts) String() string {
	if !s.ok {
		return "not readable (/proc/slabinfo)"
	}
	return fmt.Sprintf("%s TCP sockets (full: %s IPv4, %s IPv6; TIME_WAIT: %s IPv4, %s IPv6)",
		thousands(s.tcp+s.tcp6+s.tw+s.tw6), thousands(s.tcp), thousands(s.tcp6), thousands(s.tw), thousands(s.tw6))
}

// ehashInfo says how large the TCP established hash is and whether a
// new namespace gets its own: tcp_ehash_entries reads negative in one
// that shares the host's.
func ehashInfo() string {
	host, err := os.ReadFile("/proc/sys/net/ipv4/tcp_ehash_entries")
	if err != nil {
		return "not readable (tcp_ehash_entries)"
	}
	ns, err := nstest.Create()
	if err != nil {
		return "not readable: " + oneLine(err)
	}
	defer ns.Close()
	inside, err := ns.ReadSysctl("net.ipv4.tcp_ehash_entries")
	if err != nil {
		return "not readable (tcp_ehash_entries in a namespace)"
	}
	h := strings.TrimSpace(string(host))
	if strings.HasPrefix(inside, "-") {
		return fmt.Sprintf("%s buckets, shared by every namespace (tcp_ehash_entries: %s on the host, %s in a new namespace)", h, h, inside)
	}
	return fmt.Sprintf("a new namespace has its own, of %s buckets (tcp_child_ehash_entries; the host's: %s)", inside, h)
}

// thousands writes n with commas: 1,000,000.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
