package names

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// A file the user names (a rules file, a filter file, or a table in
// /etc) is read only when it is a regular file. Opening a FIFO blocks
// until a writer comes, reading a terminal or a socket until it speaks, and
// /dev/zero or /proc/kcore never end: conntab would hang, deaf to Ctrl-C,
// since its signal handler only cancels a context that an open(2) or a
// read(2) does not look at. Such a file is refused before it is opened,
// and again after (opened without blocking, checked with fstat), in case
// it was swapped in between; a regular file is read up to MaxUserFile.

// MaxUserFile is the most OpenUserFile reads of a file: far more than any
// services, passwd, rules or filter file holds.
const MaxUserFile = 64 << 20

// ErrNotRegular is what the error for a file that is not a regular file
// (a FIFO, socket, device or directory) matches with errors.Is.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is what reading past MaxUserFile of a file matches.
var ErrTooLarge = errors.New("file too large")

// FileKindError says that Path is not a regular file, and what it is.
type FileKindError struct {
	Path string
	Kind string // "a named pipe (FIFO)", "a character device", ...
}

func (e *FileKindError) Error() string {
	return fmt.Sprintf("%q is %s, not a regular file", e.Path, e.Kind)
}

// Unwrap makes a FileKindError match ErrNotRegular.
func (e *FileKindError) Unwrap() error { return ErrNotRegular }

// FileKind names what a file that is not a regular one is, for an error
// that refuses it: "a named pipe (FIFO)", "a directory". collect's -N
// check says it too.
func FileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m.IsDir():
		return "a directory"
	}
	return "not a regular file (" + m.Type().String() + ")"
}

// OpenUserFile opens the regular file at path for reading; Read stops
// with an error matching ErrTooLarge past MaxUserFile bytes. Anything else
// (a FIFO, socket, device or directory, even behind a symbolic link) is
// refused without blocking, with a *FileKindError. Errors from stat and
// open are the *fs.PathError, matchable (fs.ErrNotExist,
// fs.ErrPermission).
func OpenUserFile(path string) (io.ReadCloser, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &FileKindError{Path: path, Kind: FileKind(st.Mode())}
	}
	f, err := openNonblocking(path)
	if err != nil {
		return nil, err
	}
	if st, err = f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		if err != nil {
			return nil, err
		}
		return nil, &FileKindError{Path: path, Kind: FileKind(st.Mode())}
	}
	return &userFile{f: f, path: path, left: MaxUserFile}, nil
}

// ReadUserFile reads the whole regular file at path, as OpenUserFile
// opens it: for a file the user names on the command line (conntab list
// -F FILE).
func ReadUserFile(path string) ([]byte, error) {
	f, err := OpenUserFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// userFile is a regular file read up to a limit.
type userFile struct {
	f    *os.File
	path string
	left int64
}

func (u *userFile) Read(p []byte) (int, error) {
	if u.left <= 0 {
		// One more byte tells a file of exactly the limit from a longer one.
		var one [1]byte
		if n, err := u.f.Read(one[:]); n == 0 {
			return 0, err
		}
		return 0, fmt.Errorf("%q is larger than %d MiB: %w", u.path, MaxUserFile>>20, ErrTooLarge)
	}
	p = p[:min(int64(len(p)), u.left)]
	n, err := u.f.Read(p)
	u.left -= int64(n)
	return n, err
}

func (u *userFile) Close() error { return u.f.Close() }
