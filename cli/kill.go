package cli

import (
	"github.com/spf13/pflag"

	"github.com/conntab/conntab/model"
)

// KillOptions are the flags of `conntab kill`.
type KillOptions struct {
	NetNS      string // -N as given
	FilterFile string // -F
	Processes  bool   // -p: name who holds each socket
	// Yes closes the sockets; without it they are listed and kept.
	Yes bool
	// Force lets the filter select listeners, or every socket.
	Force bool
	Help  bool
}

// Flags defines kill's flags into o.
func (o *KillOptions) Flags() *pflag.FlagSet {
	fs := NewFlags("kill")
	netnsFlag(fs, &o.NetNS, "close sockets in the network namespace NAME (/run/netns/NAME) or at PATH")
	fileFlag(fs, &o.FilterFile, "filter", "F", "FILE", "read the filter from FILE instead of the arguments")
	fs.BoolVarP(&o.Processes, "processes", "p", false, "add User and Process to the list: who holds each socket")
	fs.BoolVar(&o.Yes, "yes", false, "close them: without it, the sockets are listed and nothing is closed")
	fs.BoolVar(&o.Force, "force", false, "also when the filter selects a listening socket, or every socket")
	helpFlag(fs, &o.Help)
	return fs
}

// KillUsage is kill's help before its flags.
const KillUsage = `Usage: conntab kill [flags] FILTER

Close exactly the sockets FILTER selects (docs/filter.md), as ss -K does,
with sock_diag's SOCK_DESTROY: a TCP connection is aborted (its process's
next call fails with ECONNABORTED, its peer gets a reset), a TIME_WAIT
socket is dropped. Without --yes it only lists them. A filter that selects
any listening socket, or every socket, needs --force as well.

Each socket closed is said on stderr and, where a syslog socket (/dev/log)
is there, to syslog with the user who asked. It takes root (CAP_NET_ADMIN),
and a kernel with CONFIG_INET_DIAG_DESTROY.

  conntab kill state close-wait dport = :8080          list what would close
  conntab kill state close-wait dport = :8080 --yes    close them

Flags:
`

// CheckKill refuses a selection that --force must confirm: every socket
// read (total) or a listening one. selected are the sockets the filter
// kept.
func (o *KillOptions) CheckKill(selected []model.Socket, total int) error {
	if o.Force || len(selected) == 0 {
		return nil
	}
	if len(selected) == total {
		return Usagef("the filter selects every socket read (%d): add --force to close them all", total)
	}
	listeners := 0
	for i := range selected {
		if selected[i].State == model.StateListen {
			listeners++
		}
	}
	if listeners > 0 {
		return Usagef("the filter selects %d listening %s: add --force to close listeners too, or narrow it (state established, …)",
			listeners, plural(listeners, "socket", "sockets"))
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
