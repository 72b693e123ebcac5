//go:build !unix

package cli

// Syslog: no syslog here.
func Syslog() func(string) { return nil }
