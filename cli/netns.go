package cli

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// netnsDir is where `ip netns` keeps its namespaces, by name.
const netnsDir = "/run/netns"

// netnsFlag is -N, --netns, into netns: a name in netnsDir or a path.
// "all" is the listing's, the ports report's and the listener audit's
// alone so far (netnsAllFlag): here it is a usage error, not a namespace
// named all.
func netnsFlag(fs *pflag.FlagSet, netns *string, help string) {
	f := Arg(fs, "netns", "N", "NAME|PATH", help, func(v string) error {
		if v == NetNSAll {
			return errors.New(netnsAllRefused)
		}
		*netns = v
		return nil
	})
	CompleteNamesIn(f, netnsDir)
}

// netnsAllFlag is -N, --netns for a command that reads several
// namespaces at once: repeatable, each given appended to netns, and
// "all" for every namespace of the host.
func netnsAllFlag(fs *pflag.FlagSet, netns *[]string, help string) {
	f := Arg(fs, "netns", "N", "NAME|PATH|all", help, func(v string) error { *netns = append(*netns, v); return nil })
	CompleteNamesIn(f, netnsDir)
}

// NetNSAll is the word of -N that reads every network namespace.
const NetNSAll = "all"

// netnsAllRefused is what a command that reads one namespace says to -N
// all.
const netnsAllRefused = "-N all (every namespace) is for conntab list, ports and listeners so far; give one namespace here"

// NetNSFiles is NetNSFile for a repeatable -N: the files of the
// namespaces given (empty words skipped), and all when one was "all"
// (then the files are none). "all" needs no root: without it, the
// caller's own namespace is read and the rest said to be out of reach.
func NetNSFiles(given []string) (files []string, all bool, err error) {
	for _, g := range given {
		switch g {
		case "":
			continue
		case NetNSAll:
			all = true
			continue
		}
		f, err := NetNSFile(g)
		if err != nil {
			return nil, false, err
		}
		files = append(files, f)
	}
	if all {
		files = nil
	}
	return files, all, nil
}

// NetNSFile is the namespace file for what -N was given, "" for none: a
// name as `ip netns` keeps them, or a path (/proc/PID/ns/net). Entering
// another namespace takes CAP_SYS_ADMIN: without root, asking for one is
// an error that says so, before anything is read.
func NetNSFile(given string) (string, error) {
	if given == "" {
		return "", nil
	}
	if given == NetNSAll {
		return "", Usagef("%s", netnsAllRefused)
	}
	if os.Geteuid() != 0 {
		return "", fmt.Errorf("reading another network namespace (%s) needs root (CAP_SYS_ADMIN to enter it)", given)
	}
	if strings.ContainsRune(given, '/') {
		return given, nil
	}
	return netnsDir + "/" + given, nil
}

// SeveralNetNS reports whether the listing's -N asks for more than one
// namespace ("all", or several given): its sockets then show theirs.
func (o *ListOptions) SeveralNetNS() bool { return several(o.NetNS) }

// SeveralNetNS reports whether the ports report's -N asks for more than
// one namespace ("all", or several given): it then judges each on its
// own and names it (render.PortsNamespacesText).
func (o *PortsOptions) SeveralNetNS() bool { return several(o.NetNS) }

// OneNetNS is the one namespace -N named, as given ("" for none or
// several): the report's header names it.
func (o *PortsOptions) OneNetNS() string { return one(o.NetNS) }

// SeveralNetNS reports whether the listener audit's -N asks for more than
// one namespace ("all", or several given): it then audits each and names
// it (render.ListenersNamespacesText).
func (o *ListenersOptions) SeveralNetNS() bool { return several(o.NetNS) }

// OneNetNS is the one namespace -N named, as given ("" for none or
// several): the audit's header names it.
func (o *ListenersOptions) OneNetNS() string { return one(o.NetNS) }

// one is the one namespace a repeatable -N's words name, "" for none or
// several.
func one(netns []string) string {
	if len(netns) != 1 || several(netns) {
		return ""
	}
	return netns[0]
}

// several reports whether a repeatable -N's words ask for more than one
// namespace.
func several(netns []string) bool { return len(netns) > 1 || slices.Contains(netns, NetNSAll) }
