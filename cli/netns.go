package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"
)

// netnsDir is where `ip netns` keeps its namespaces, by name.
const netnsDir = "/run/netns"

// netnsFlag is -N, --netns, into netns: a name in netnsDir or a path.
func netnsFlag(fs *pflag.FlagSet, netns *string, help string) {
	CompleteNamesIn(fileFlag(fs, netns, "netns", "N", "NAME|PATH", help), netnsDir)
}

// NetNSFile is the namespace file for what -N was given, "" for none: a
// name as `ip netns` keeps them, or a path (/proc/PID/ns/net). Entering
// another namespace takes CAP_SYS_ADMIN: without root, asking for one is
// an error that says so, before anything is read.
func NetNSFile(given string) (string, error) {
	if given == "" {
		return "", nil
	}
	if os.Geteuid() != 0 {
		return "", fmt.Errorf("reading another network namespace (%s) needs root (CAP_SYS_ADMIN to enter it)", given)
	}
	if strings.ContainsRune(given, '/') {
		return given, nil
	}
	return netnsDir + "/" + given, nil
}
