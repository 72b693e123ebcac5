package render

import (
	"strconv"

	"github.com/conntab/conntab/analyze"
	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/render/escape"
)

// What to say about sockets whose processes the walk of /proc could not
// see. Who is refused decides what helps: a user is refused other users'
// processes, and root would see them; root is refused only by a security
// module (Yama's ptrace_scope, SELinux, AppArmor) or by a process out of
// its reach (another user namespace, a sandbox's init), and running as
// root again helps nothing.

// HiddenOwnersNote is the sentence `conntab list -p` prints on stderr
// when sockets belong to processes the walk could not read, or "" when
// none do (no process was hidden, or the hidden ones hold none of snap's
// sockets). euid is the caller's effective uid (os.Geteuid()): a user is
// told to run as root, root what refused it instead. The kernel's reason
// (Owners.HiddenErr, naming the refusing file) is quoted, escaped.
func HiddenOwnersNote(snap *model.Snapshot, euid int) string {
	sockets := snap.Unowned()
	if sockets == 0 {
		return ""
	}
	procs := snap.Owners.Hidden
	b := []byte("conntab: ")
	b = strconv.AppendInt(b, int64(sockets), 10)
	b = append(b, plural(sockets, " socket belongs to ", " sockets belong to ")...)
	switch {
	case procs == 1:
		b = append(b, "a process "...)
	case sockets == 1:
		b = append(b, "one of "...)
		b = strconv.AppendInt(b, int64(procs), 10)
		b = append(b, " processes "...)
	default:
		b = append(b, "processes "...)
	}
	if euid == 0 {
		b = append(b, "that even root may not inspect"...)
	} else {
		b = append(b, "you may not inspect"...)
	}
	b = appendHiddenWhy(b, sockets, procs, snap.Owners.HiddenErr)
	them := plural(sockets, "it", "them")
	if euid != 0 {
		return string(b) + ": run as root to name " + them
	}
	return string(b) + ": a security module (Yama, SELinux, AppArmor) refuses, or " +
		plural(procs, "the process runs", "the processes run") + " in a user namespace beyond this root's reach; run conntab where " +
		plural(procs, "it is", "they are") + " within reach (on the host, outside the container or sandbox) to name " + them
}

// appendHiddenWhy appends, in parentheses, how many processes were
// hidden when the sentence did not say, and the kernel's reason.
func appendHiddenWhy(b []byte, sockets, procs int, why error) []byte {
	counted := procs > 1 && sockets > 1
	if !counted && why == nil {
		return b
	}
	b = append(b, " ("...)
	if counted {
		b = strconv.AppendInt(b, int64(procs), 10)
		b = append(b, " processes"...)
		if why != nil {
			b = append(b, "; "...)
		}
	}
	if why != nil {
		b = escape.AppendSafe(b, why.Error())
	}
	return append(b, ')')
}

// HiddenOwnersShort is HiddenOwnersNote in a few words, for a title
// line: "3 sockets of processes only root may inspect" for a user, "3
// sockets of processes even root may not inspect" for root; "" when no
// socket is in question.
func HiddenOwnersShort(snap *model.Snapshot, euid int) string {
	sockets := snap.Unowned()
	if sockets == 0 {
		return ""
	}
	return HiddenOwnersCounted(sockets, snap.Owners.Hidden, euid)
}

// HiddenOwnersCounted is HiddenOwnersShort for a caller that counted the
// sockets already (Snapshot.Unowned), procs being Owners.Hidden: at a
// million sockets a count is tens of milliseconds.
func HiddenOwnersCounted(sockets, procs, euid int) string {
	if sockets == 0 {
		return ""
	}
	s := strconv.Itoa(sockets) + plural(sockets, " socket of ", " sockets of ") +
		plural(procs, "a process", "processes")
	if euid == 0 {
		return s + " even root may not inspect"
	}
	return s + " only root may inspect"
}

// ListingNotes are what `conntab list` says on stderr besides the
// listing, about what it does not show: flags on remote endpoints (dests;
// conntab ports explains them; the index points at no socket, so the
// narrowed rows leave it whole), and sockets whose processes could not be
// seen (HiddenOwnersNote).
func ListingNotes(snap *model.Snapshot, dests *analyze.DestIndex, euid int) []string {
	var notes []string
	if dests != nil {
		if sev, n := dests.Severity(), len(dests.Flags); sev != analyze.SeverityNone {
			notes = append(notes, "conntab: "+strconv.Itoa(n)+" flags on remote endpoints, the worst "+sev.String()+": 'conntab ports' explains them")
		}
	}
	if note := HiddenOwnersNote(snap, euid); note != "" {
		notes = append(notes, note)
	}
	return notes
}
