package cli

import (
	"github.com/spf13/pflag"

	"github.com/conntab/conntab/model"
)

// ListenersOptions are the flags of `conntab listeners`.
type ListenersOptions struct {
	Source string // --source as given; "" is auto
	// NetNS is each -N as given: one namespace, several, or "all".
	NetNS []string
	Rules string // --rules FILE
	// Protos are what -t and -u ask for, in their order; nil for both.
	Protos []model.Proto
	JSON   bool
	Check  bool
	Help   bool
}

// Flags defines the listener audit's flags into o.
func (o *ListenersOptions) Flags() *pflag.FlagSet {
	fs := NewFlags("listeners")
	proto := func(p model.Proto) func() { return func() { o.Protos = append(o.Protos, p) } }
	Switch(fs, "tcp", "t", "TCP listeners only", proto(model.ProtoTCP))
	Switch(fs, "udp", "u", "UDP sockets only", proto(model.ProtoUDP))
	netnsAllFlag(fs, &o.NetNS, "read the network namespace NAME (/run/netns/NAME) or at PATH, needs root; repeat for several, or all: every namespace of the host, each audited with its own settings and named (its container, else its name, else its inode)")
	sourceFlag(fs, &o.Source, "where sockets are read from (default auto: netlink, else /proc; /proc sees neither backlogs nor IPV6_V6ONLY)")
	fileFlag(fs, &o.Rules, "rules", "", "FILE", "extend the audit's rules with FILE: local, public and expect lines (docs/listeners.md)")
	fs.BoolVar(&o.JSON, "json", false, "one JSON document instead of the text (docs/json.md)")
	fs.BoolVar(&o.Check, "check", false, "exit 3 when the worst finding is a warning, 4 when it is critical (0 otherwise)")
	helpFlag(fs, &o.Help)
	return fs
}

// ListenersUsage is the listener audit's help before its flags.
const ListenersUsage = `Usage: conntab listeners [flags]

What listens on this host, where, as whom, and what looks wrong. Every
listening TCP socket and every bound, unconnected UDP socket, with its bind
scope (every address of one family or both, one address, or loopback), port
class and service, whether the port is privileged, its accept queue against
its backlog, and the process and user holding it. Findings, each with why
and what to do (docs/listeners.md):

  warn    a service usually kept on the host (a database, a cache, the
          Docker API) listening on every interface
  notice  a well-known port held by a program that is not its usual server:
          port numbers are not authentication
  notice  a TCP listener inside the ephemeral range (see conntab ports)
  warn    an accept queue at or past its backlog

With -N all (or -N given more than once) every namespace is audited: a
container publishing a database on 0.0.0.0 is the common exposure. Each
listener and finding then names its namespace (its container, else its
ip netns name, else its inode); --check judges the worst of them all.

Which ports are local and which programs are expected is in audit/audit.txt;
--rules adds to it. Other users' processes are seen only as root.

With --check the exit status says the worst finding: 0 none or notice, 3
warn, 4 critical; 1 when the kernel could not be read in full, 2 for a bad
command line.

Flags:
`
