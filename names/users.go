package names

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
)

// Users maps uids to user names, from /etc/passwd. It is read from the
// file, not through getpwuid(3): conntab has no cgo, and a socket's uid
// needs only the local table. The zero value and nil hold no names.
type Users struct {
	names map[uint32]string
}

// Name returns the name of the user with uid. For a uid the file lists
// twice, the first line wins, as it does for getpwuid(3).
//
// A name is whatever the file holds between the line's start and its
// first colon: untrusted text, kept exactly; escaping it is the printer's
// job (see escape.AppendSafe).
func (u *Users) Name(uid uint32) (string, bool) {
	if u == nil {
		return "", false
	}
	name, ok := u.names[uid]
	return name, ok
}

// Len is the number of uids with a name.
func (u *Users) Len() int {
	if u == nil {
		return 0
	}
	return len(u.names)
}

// LoadUsers reads the passwd(5) file at path, as ParsePasswd does. A
// missing file is not an error: the result holds no names. Any other
// failure to open or read it is, and stays matchable (fs.ErrPermission);
// on bad lines, the Users of the good ones come with the error. A file
// that is not a regular one is refused without blocking (OpenUserFile).
func LoadUsers(path string) (*Users, error) {
	f, err := OpenUserFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Users{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the user names: %w", err)
	}
	defer f.Close()
	return parsePasswd(f, path)
}

// ParsePasswd reads a table in passwd(5) format: one user per line,
// "name:password:uid:gid:gecos:home:shell". Only name and uid are kept.
// Blank lines, lines whose first non-blank character is '#', and the
// compat-mode lines of nsswitch ("+name", "-name", "+@netgroup", "+"),
// which name no local user, are skipped.
//
// A bad line (not seven fields, an empty name, a uid that is not a
// decimal number below 2^32) is an error: a *PasswdError naming the line,
// quoting it and saying what is wrong. ParsePasswd reports every bad line
// (the first ten, and how many more), joined; unlike ParseServices, it
// returns the Users of the good lines with the error, since one odd line
// of a host's file should not cost every other user their name. The
// caller decides whether to warn and carry on.
func ParsePasswd(r io.Reader) (*Users, error) {
	return parsePasswd(r, "")
}

// ErrPasswdSyntax is what every *PasswdError matches with errors.Is.
var ErrPasswdSyntax = errors.New("bad passwd line")

// PasswdError is a line of a passwd file that could not be read.
type PasswdError = LineError

func parsePasswd(r io.Reader, path string) (*Users, error) {
	u := &Users{names: make(map[uint32]string)}
	err := ReadTable(r, path, "passwd", ErrPasswdSyntax, func(line string) string {
		name, uid, reason := parsePasswdLine(line)
		if _, dup := u.names[uid]; reason == "" && name != "" && !dup {
			u.names[uid] = name
		}
		return reason
	})
	return u, err
}

// parsePasswdLine reads one line. It returns an empty name for lines that
// name no user, and a reason for bad ones.
func parsePasswdLine(line string) (name string, uid uint32, reason string) {
	trimmed := strings.TrimLeft(line, " \t")
	switch {
	case strings.TrimRight(trimmed, " \t\r") == "", trimmed[0] == '#':
		return "", 0, ""
	case line[0] == '+' || line[0] == '-':
		return "", 0, "" // nsswitch compat: users from elsewhere
	}
	f := strings.Split(line, ":")
	if len(f) != 7 {
		return "", 0, fmt.Sprintf("want 7 fields (name:password:uid:gid:gecos:home:shell), got %d", len(f))
	}
	if f[0] == "" {
		return "", 0, "empty user name"
	}
	v, err := strconv.ParseUint(f[2], 10, 32)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return "", 0, fmt.Sprintf("uid %s out of range 0-4294967295", f[2])
	case err != nil:
		return "", 0, fmt.Sprintf("bad uid %q", f[2])
	}
	return f[0], uint32(v), ""
}
