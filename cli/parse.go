package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// Hint answers a flag that users of other tools reach for and that the
// program does not have: what to use instead, or why not.
type Hint struct {
	// Short is the letter (x for -x); Long the long name, without dashes.
	Short, Long string
	// From says whose flag it is and what it does there ("ss: unix
	// sockets").
	From string
	// Say is the answer: what to use instead, or that it is out of scope.
	Say string
}

// flags is how the hint's flag is written: "-x, --unix".
func (h Hint) flags() string {
	switch {
	case h.Short != "" && h.Long != "":
		return "-" + h.Short + ", --" + h.Long
	case h.Short != "":
		return "-" + h.Short
	}
	return "--" + h.Long
}

// Parse applies args to fs and returns the arguments that are not flags
// ("--" ends the flags). Short flags cluster as ss's do: -tan is -t -a
// -n, and a flag that takes an argument takes the rest of its cluster
// or the next argument (-aNblue, -N blue, --netns=blue, --netns blue).
//
// Every error is a *UsageError in the user's words. A flag fs lacks is
// answered by its hint, when hints has one.
func Parse(fs *pflag.FlagSet, args []string, hints []Hint) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		return nil, flagError(err, args, hints)
	}
	return fs.Args(), nil
}

// flagError says what pflag's err, parsing args, means.
func flagError(err error, args []string, hints []Hint) error {
	var (
		unknown  *pflag.NotExistError
		missing  *pflag.ValueRequiredError
		invalid  *pflag.InvalidValueError
		syntaxed *pflag.InvalidSyntaxError
	)
	switch {
	case errors.As(err, &unknown):
		return unknownFlag(unknown.GetSpecifiedName(), cluster(args, unknown.GetSpecifiedShortnames()), hints)
	case errors.As(err, &missing):
		name := "--" + missing.GetSpecifiedName()
		if missing.GetSpecifiedShortnames() != "" {
			name = "-" + missing.GetSpecifiedName()
		}
		return Usagef("flag %s needs a value (%s)", name, argName(missing.GetFlag()))
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		if !takesArg(f) {
			return &UsageError{Msg: fmt.Sprintf("flag --%s takes no value (or true or false): %q", f.Name, invalid.GetValue()), Err: errors.Unwrap(invalid)}
		}
		return &UsageError{Msg: fmt.Sprintf("flag --%s: %v", f.Name, errors.Unwrap(invalid)), Err: errors.Unwrap(invalid)}
	case errors.As(err, &syntaxed):
		return Usagef("bad flag %q", syntaxed.GetSpecifiedFlag())
	case errors.Is(err, pflag.ErrHelp): // a flag set without -h
		return Usagef("unknown flag -h or --help")
	}
	return &UsageError{Msg: err.Error(), Err: err}
}

// unknownFlag is the error for a flag that does not exist: name as
// typed, in the argument cluster ("-tz") when it was a short flag.
func unknownFlag(name, cluster string, hints []Hint) error {
	for _, h := range hints {
		if (cluster != "" && h.Short == name) || (cluster == "" && h.Long == name) {
			return Usagef("%s (%s): %s", h.flags(), h.From, h.Say)
		}
	}
	if cluster != "" {
		return Usagef("unknown flag -%s in %q", name, cluster)
	}
	return Usagef("unknown flag --%s", name)
}

// cluster is the argument of args that ends in the short flags rest
// (pflag names the rest of a cluster from the flag it did not know):
// "-tz" for "z". "" when rest is "" (a long flag).
func cluster(args []string, rest string) string {
	if rest == "" {
		return ""
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.HasSuffix(a, rest) {
			return a
		}
	}
	return "-" + rest
}
