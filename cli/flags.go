package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// ErrUsage is what every error in how a program was called matches with
// errors.Is: the caller exits with status 2.
var ErrUsage = errors.New("usage")

// UsageError is an error in the command line. Err, if set, is the error
// behind it (a flag value's, a filter's syntax error), kept matchable.
type UsageError struct {
	Msg string
	Err error
}

func (e *UsageError) Error() string   { return e.Msg }
func (e *UsageError) Unwrap() []error { return []error{ErrUsage, e.Err} }

// Usagef is a usage error saying what format says.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// FileError is the usage error for a file the command line names (after
// flag, "-F" or "--rules") that cannot be read or made: the file is part
// of the command line, so that a missing one is a mistake in it, as a
// misspelt flag is (exit status 2). It says the file's name once and the
// reason in the system's words; err stays matchable (fs.ErrNotExist).
func FileError(flag, name string, err error) error {
	reason := err.Error()
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) && pathErr.Path == name {
		reason = pathErr.Err.Error()
	}
	return &UsageError{Msg: fmt.Sprintf("%s %q: %s", flag, name, reason), Err: err}
}

// NewFlags is an empty flag set for the command name: it keeps the
// flags in the order they are defined, says nothing on its own (Parse's
// errors say it), and lets arguments and flags mix, as ss does
// (conntab list -t state listening -n).
func NewFlags(name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// Arg defines a flag that takes an argument, named arg in help (NAME,
// DURATION, auto|netlink|proc); set checks the argument and applies it.
// Its error becomes the usage error "flag --name: " followed by it.
func Arg(fs *pflag.FlagSet, name, short, arg, usage string, set func(string) error) *pflag.Flag {
	fs.VarP(&argValue{arg: arg, set: set}, name, short, usage)
	return fs.Lookup(name)
}

// Switch defines a flag without an argument; on applies it. As for
// pflag's booleans, --name=false is accepted and does nothing.
func Switch(fs *pflag.FlagSet, name, short, usage string, on func()) *pflag.Flag {
	f := fs.VarPF(&switchValue{on: on}, name, short, usage)
	f.NoOptDefVal = "true"
	return f
}

// argValue is a flag's argument checked by a function.
type argValue struct {
	arg, last string
	set       func(string) error
}

func (v *argValue) String() string { return v.last }
func (v *argValue) Type() string   { return v.arg }
func (v *argValue) Set(s string) error {
	if err := v.set(s); err != nil {
		return err
	}
	v.last = s
	return nil
}

// switchValue is a flag without an argument that calls a function.
type switchValue struct {
	on  func()
	set bool
}

func (v *switchValue) String() string { return strconv.FormatBool(v.set) }
func (v *switchValue) Type() string   { return "bool" }
func (v *switchValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	if b {
		v.set = true
		v.on()
	}
	return nil
}

// takesArg reports whether f needs an argument.
func takesArg(f *pflag.Flag) bool { return f.NoOptDefVal == "" }

// argName is what help calls f's argument.
func argName(f *pflag.Flag) string {
	if a, ok := f.Value.(*argValue); ok {
		return a.arg
	}
	return strings.ToUpper(f.Value.Type())
}

// The completion of a flag's argument, kept in its Annotations.
const completeKey = "cli_complete"

// CompleteFiles says that f's argument is a file.
func CompleteFiles(f *pflag.Flag) { annotate(f, "files") }

// CompleteWords says that f's argument is one of words.
func CompleteWords(f *pflag.Flag, words ...string) {
	annotate(f, append([]string{"words"}, words...)...)
}

// CompleteNamesIn says that f's argument is the name of a file in dir,
// or a path (one with a slash).
func CompleteNamesIn(f *pflag.Flag, dir string) { annotate(f, "dir", dir) }

func annotate(f *pflag.Flag, how ...string) {
	if f.Annotations == nil {
		f.Annotations = map[string][]string{}
	}
	f.Annotations[completeKey] = how
}

// completion is how f's argument completes: "files", "words" or "dir"
// and its details; "" for an argument nothing can guess (a duration).
func completion(f *pflag.Flag) (how string, details []string) {
	a := f.Annotations[completeKey]
	if len(a) == 0 {
		return "", nil
	}
	return a[0], a[1:]
}
