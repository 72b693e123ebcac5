// Package names gives ports, users and processes the names a person
// knows them by: the service on a port (ssh, postgresql), the user who
// owns a socket, the processes that hold it.
//
// # Tables are read by the caller and handed in
//
// There is no package-level table and no init: the caller (package main)
// reads the tables once and hands them to whatever labels sockets, through
// a Labeler. The packages that label (filter, audit, render, the
// dashboard) never open a file, and a test gives them any table it likes.
//
// Services maps a protocol and port to a service name, as /etc/services
// does. DefaultServices is conntab's own table, services.txt, embedded in
// the binary (the file says how its names were chosen). LoadServices(path)
// extends it with a host's /etc/services: names conntab has win, so the
// listing reads the same on every host and only gains ports it lacked. A
// missing file is not an error; a file that cannot be read, or has a bad
// line, is, and the caller can fall back to DefaultServices (conntab warns
// and does). ParseServices reads a table alone from a reader. Only tcp and
// udp lines are kept (sctp, dccp and ddp lines are skipped); within one
// file the first name for a port wins, as for getservbyport(3).
//
// Users maps uids to user names from a passwd(5) file: read from the file,
// not through getpwuid(3), since conntab has no cgo and a socket's uid
// needs only the local table. LoadUsers(path) reads it; a missing file
// gives no names, and on bad lines the Users of the good lines come with
// the error, since one odd line should not cost every other user their
// name. nsswitch's compat lines ("+name", "-name", "+") are skipped.
//
// # Files the user names
//
// Every file conntab reads by a name it was given (the tables in /etc,
// a rules file, a filter file) is opened by OpenUserFile, or read whole by
// ReadUserFile: only a regular file is read, up to MaxUserFile bytes. A
// FIFO, socket, device or directory is refused with a *FileKindError
// that quotes the path and says what it is (errors.Is ErrNotRegular),
// before anything could block: a FIFO with no writer would hold open(2)
// for ever, and a process stuck there does not heed SIGINT or SIGTERM.
// LoadServices, LoadUsers and audit.LoadAuditRules open their files so.
//
// Names from the host are untrusted text. A service name or rules text
// with a control character is a bad line (Printable); a user name is kept
// exactly, and escaping it is the printer's job (render/escape).
//
// # The Labeler
//
// A Labeler is a small value that names what a socket holds: Port (the
// port's class and service name), Service (the name of the service the
// socket belongs to: a listener's local port, else the one port with a
// name, the server's when both have one), Class, User and OwnersOf. Its
// fields are the tables: Services, Host (the namespace's HostFacts, for
// the ephemeral range), UserName (a func, usually a Users' Name) and
// Snapshot (where the processes are found). Any of them may be nil: then
// ports go unnamed, every port gets its IANA class, users are shown by
// uid, sockets have no processes. Host and Snapshot belong to one sample:
// copy the Labeler and set them (package sample does so for each
// namespace's audit) rather than change one that others read.
//
// # Bad lines
//
// ReadTable reads a line-oriented table for this package and for audit's
// rules. A bad line becomes a *LineError: the file (or the kind of table,
// for a reader), the line number from 1, the line quoted (cut at 120
// bytes) and the reason, as in
//
//	/etc/services line 12: unknown protocol "UDP" (want tcp or udp): "upper\t53/UDP"
//
// It names no Go package: the text is for the person who keeps the file.
// It matches its table's sentinel with errors.Is: ErrServicesSyntax,
// ErrPasswdSyntax, or audit.ErrAuditSyntax.
// ServicesError and PasswdError are LineError by other names, for
// errors.As. Every bad line is reported, the first ten one by one and the
// rest as a count, joined in one error; a read error ends the table and
// joins them too. Opening errors stay matchable (fs.ErrPermission).
package names
