//go:build unix

package cli

import "log/syslog"

// Syslog returns a function that writes one line to the system log (the
// journal takes /dev/log where systemd runs) as conntab, at notice in the
// auth facility, where actions on the host are kept; nil where there is
// no syslog socket.
func Syslog() func(string) {
	w, err := syslog.New(syslog.LOG_NOTICE|syslog.LOG_AUTH, "conntab")
	if err != nil {
		return nil
	}
	return func(line string) { _ = w.Notice(line) }
}
