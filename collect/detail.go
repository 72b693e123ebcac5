package collect

import (
	"bytes"
	"strings"
)

// parseCmdline splits /proc/PID/cmdline: arguments each ending in NUL.
// A process may rewrite its arguments into one string with spaces (as
// nginx and postgres do); that stays one argument.
func parseCmdline(b []byte) []string {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil
	}
	return strings.Split(string(b), "\x00")
}

// parseCgroup picks the cgroup path of /proc/PID/cgroup: the v2 line
// ("0::PATH"), else the first v1 line with a path beyond "/".
func parseCgroup(b []byte) string {
	var v1 string
	for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		id, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		_, path, ok := strings.Cut(rest, ":")
		if !ok {
			continue
		}
		if id == "0" && rest[0] == ':' {
			return path
		}
		if v1 == "" && path != "/" {
			v1 = path
		}
	}
	return v1
}

// containerID finds a container id in a cgroup path: the last element
// holding 64 hex digits, after the prefixes and before the suffixes the
// engines use (docker-ID.scope, /docker/ID, cri-containerd-ID.scope,
// crio-ID.scope, libpod-ID.scope, /kubepods/.../ID).
func containerID(path string) string {
	elems := strings.Split(path, "/")
	for i := len(elems) - 1; i >= 0; i-- {
		e := strings.TrimSuffix(elems[i], ".scope")
		if j := strings.LastIndexAny(e, "-:"); j >= 0 {
			e = e[j+1:]
		}
		if len(e) == 64 && isHex(e) {
			return e
		}
	}
	return ""
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
