package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// errUsage marks errors in how conntab was called (exit status 2).
var errUsage = errors.New("usage")

// usageError is an error in the command line; it exits with status 2.
// err, if set, is the error behind it (a filter's syntax error).
type usageError struct {
	msg string
	err error
}

func (e *usageError) Error() string   { return e.msg }
func (e *usageError) Unwrap() []error { return []error{errUsage, e.err} }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// option is one command-line flag. Short flags cluster as ss's do
// (-tan = -t -a -n); a flag with a value takes the next argument, or the
// rest of its cluster, or --long=value.
type option struct {
	short byte
	long  string
	// value is set for flags that take an argument.
	value func(string) error
	// set is called for flags without one.
	set  func()
	help string
	arg  string // the argument's name in help
}

// parseArgs applies opts to args and returns the arguments that are not
// flags. "--" ends the flags.
func parseArgs(args []string, opts []option) ([]string, error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(rest, args[i+1:]...), nil
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			o := findLong(opts, name)
			if o == nil {
				return nil, usagef("unknown flag --%s", name)
			}
			if o.value == nil {
				if hasVal {
					return nil, usagef("flag --%s takes no value", name)
				}
				o.set()
				continue
			}
			if !hasVal {
				if i+1 >= len(args) {
					return nil, usagef("flag --%s needs a value (%s)", name, o.arg)
				}
				i++
				val = args[i]
			}
			if err := o.value(val); err != nil {
				return nil, usagef("flag --%s: %v", name, err)
			}
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				o := findShort(opts, a[j])
				if o == nil {
					return nil, usagef("unknown flag -%c in %q", a[j], a)
				}
				if o.value == nil {
					o.set()
					continue
				}
				val := a[j+1:]
				if val == "" {
					if i+1 >= len(args) {
						return nil, usagef("flag -%c needs a value (%s)", a[j], o.arg)
					}
					i++
					val = args[i]
				}
				if err := o.value(val); err != nil {
					return nil, usagef("flag -%c: %v", a[j], err)
				}
				break
			}
		default:
			rest = append(rest, a)
		}
	}
	return rest, nil
}

func findLong(opts []option, name string) *option {
	for i := range opts {
		if opts[i].long == name {
			return &opts[i]
		}
	}
	return nil
}

func findShort(opts []option, c byte) *option {
	for i := range opts {
		if opts[i].short != 0 && opts[i].short == c {
			return &opts[i]
		}
	}
	return nil
}

// printHelp writes a command's usage, then its flags, to w.
func printHelp(w io.Writer, usage string, opts []option) error {
	var b strings.Builder
	b.WriteString(usage)
	writeHelp(&b, opts)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeHelp lists opts, one a line.
func writeHelp(b *strings.Builder, opts []option) {
	for _, o := range opts {
		var names string
		switch {
		case o.short != 0 && o.long != "":
			names = fmt.Sprintf("-%c, --%s", o.short, o.long)
		case o.short != 0:
			names = fmt.Sprintf("-%c", o.short)
		default:
			names = "    --" + o.long
		}
		if o.arg != "" {
			names += " " + o.arg
		}
		fmt.Fprintf(b, "  %-24s %s\n", names, o.help)
	}
}
