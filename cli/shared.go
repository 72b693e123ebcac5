package cli

import "github.com/spf13/pflag"

// The flags that several of conntab's commands share, defined once.

// sourceFlag is --source, its word kept as given in p: the caller reads
// it (collect.ParseMode), so that a word it does not know is said in its
// own terms.
func sourceFlag(fs *pflag.FlagSet, p *string, help string) {
	f := Arg(fs, "source", "", "auto|netlink|proc", help, func(v string) error { *p = v; return nil })
	CompleteWords(f, "auto", "netlink", "proc")
}

// fileFlag is a flag whose argument is kept as given, in p.
func fileFlag(fs *pflag.FlagSet, p *string, name, short, arg, help string) *pflag.Flag {
	f := Arg(fs, name, short, arg, help, func(v string) error { *p = v; return nil })
	if arg == "FILE" {
		CompleteFiles(f)
	}
	return f
}

// helpFlag is -h, --help, into help.
func helpFlag(fs *pflag.FlagSet, help *bool) { fs.BoolVarP(help, "help", "h", false, "this help") }
