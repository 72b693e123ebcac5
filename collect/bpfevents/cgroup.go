package bpfevents

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
)

// errNoCgroup2: no cgroup v2 hierarchy is mounted.
var errNoCgroup2 = errors.New("no cgroup v2 hierarchy is mounted")

// cgroup2Root is where the cgroup v2 hierarchy is mounted, from a
// mountinfo file (proc(5)): /sys/fs/cgroup, or /sys/fs/cgroup/unified on
// a host that mounts both versions.
func cgroup2Root(mountinfo string) (string, error) {
	f, err := os.Open(mountinfo)
	if err != nil {
		return "", fmt.Errorf("bpfevents: %w", err)
	}
	defer f.Close()
	return parseCgroup2Root(bufio.NewScanner(f))
}

func parseCgroup2Root(sc *bufio.Scanner) (string, error) {
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
		fields := strings.Fields(sc.Text())
		for i, f := range fields {
			if f == "-" && i+1 < len(fields) && i > 4 {
				if fields[i+1] == "cgroup2" && fields[3] == "/" {
					return unescapeMount(fields[4]), nil
				}
				break
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("bpfevents: reading mountinfo: %w", err)
	}
	return "", errNoCgroup2
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, ok := octal(s[i+1 : i+4]); ok {
				b.WriteByte(n)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func octal(s string) (byte, bool) {
	if len(s) != 3 {
		return 0, false
	}
	var n int
	for _, c := range s {
		if c < '0' || c > '7' {
			return 0, false
		}
		n = n*8 + int(c-'0')
	}
	if n > 255 {
		return 0, false
	}
	return byte(n), true
}
