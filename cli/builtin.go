package cli

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/pflag"
)

// AddBuiltins adds the commands that say what the program is, after its
// own: help [COMMAND], version, completion bash|zsh|fish and man. Run
// answers -h and --help with help's overview, -V and --version with
// version.
func (p *Program) AddBuiltins() {
	n := p.Name
	var names []string
	for _, c := range p.Commands {
		names = append(names, c.Name)
	}
	names = append(names, "help", "version", "completion", "man")
	p.Flags = NewFlags(n)
	p.Flags.BoolP("help", "h", false, fmt.Sprintf("the overview of %s's commands", n))
	p.Flags.BoolP("version", "V", false, "version, commit and Go version")
	p.Commands = append(p.Commands,
		&Command{Name: "help", Summary: fmt.Sprintf("this overview, or a command's help (%s COMMAND -h)", n),
			Usage: fmt.Sprintf(helpUsage, n), Flags: builtinFlags("help"), ArgWords: names, Run: p.runHelp},
		&Command{Name: "version", Summary: "version, commit and Go version (also -V, --version)",
			Usage: fmt.Sprintf(versionUsage, n), Flags: builtinFlags("version"), Run: p.runVersion},
		&Command{Name: "completion", Summary: "a shell's completion script",
			Usage: fmt.Sprintf(completionUsage, n), Flags: builtinFlags("completion"), ArgWords: []string{"bash", "zsh", "fish"}, Run: p.runCompletion},
		&Command{Name: "man", Summary: fmt.Sprintf("the manual page, %s(1), in roff", n),
			Usage: fmt.Sprintf(manUsage, n), Flags: builtinFlags("man"), Run: p.runMan},
	)
}

const helpUsage = `Usage: %[1]s help [flags] [COMMAND]

The overview of %[1]s's commands, as %[1]s -h and %[1]s --help show it;
with a COMMAND, that command's help, as %[1]s COMMAND -h.

Flags:
`

const versionUsage = `Usage: %[1]s version [flags]

The version of %[1]s, the commit it was built from (and whether the tree
had changes) and the Go that built it, from the build information in the
binary, as %[1]s -V and %[1]s --version say it. A binary built with
-buildvcs=false, or outside a git checkout, knows no commit and says so.

Flags:
`

const completionUsage = `Usage: %[1]s completion [flags] bash|zsh|fish

Writes the completion script of a shell, made from the same flag
definitions as the help, so it is never stale. Load it with
  source <(%[1]s completion bash)        (bash; zsh the same with zsh)
  %[1]s completion fish | source         (fish)
or install it where the shell looks:
  %[1]s completion bash > ~/.local/share/bash-completion/completions/%[1]s
  %[1]s completion zsh > "${fpath[1]}/_%[1]s"
  %[1]s completion fish > ~/.config/fish/completions/%[1]s.fish

Flags:
`

const manUsage = `Usage: %[1]s man [flags]

Writes the manual page, %[1]s(1), in roff: every command with its help
and flags, made from the same definitions as the help. Read it with
  man -l <(%[1]s man)
or install it:
  %[1]s man > /usr/local/share/man/man1/%[1]s.1

Flags:
`

// builtinFlags makes a built-in command's flags (Command.Flags).
func builtinFlags(name string) func() *pflag.FlagSet {
	return func() *pflag.FlagSet { return helpFlags(name) }
}

// helpFlags are a built-in command's flags: -h.
func helpFlags(name string) *pflag.FlagSet {
	fs := NewFlags(name)
	fs.BoolP("help", "h", false, "this help")
	return fs
}

// parseBuiltin parses the arguments of the built-in command name, which
// takes at most most arguments; done is set when -h answered it.
func (p *Program) parseBuiltin(name string, args []string, most int, stdout io.Writer) (rest []string, done bool, err error) {
	c := p.Command(name)
	fs := helpFlags(name)
	if rest, err = Parse(fs, args, p.Hints); err != nil {
		return nil, false, err
	}
	if help, _ := fs.GetBool("help"); help {
		return nil, true, WriteHelp(stdout, c.Usage, fs)
	}
	if len(rest) > most {
		return nil, false, Usagef("%s %s takes at most %d argument(s): %q", p.Name, name, most, rest)
	}
	return rest, false, nil
}

func (p *Program) runHelp(_ context.Context, args []string, stdout, _ io.Writer) error {
	rest, done, err := p.parseBuiltin("help", args, 1, stdout)
	switch {
	case err != nil || done:
		return err
	case len(rest) == 0:
		return p.Overview(stdout)
	}
	c := p.Command(rest[0])
	if c == nil {
		return Usagef("unknown command %q", rest[0])
	}
	return WriteHelp(stdout, c.Usage, c.flagSet())
}

func (p *Program) runVersion(_ context.Context, args []string, stdout, _ io.Writer) error {
	if _, done, err := p.parseBuiltin("version", args, 0, stdout); err != nil || done {
		return err
	}
	info, ok := debug.ReadBuildInfo()
	_, err := io.WriteString(stdout, Version(p.Name, info, ok))
	return err
}

func (p *Program) runCompletion(_ context.Context, args []string, stdout, _ io.Writer) error {
	rest, done, err := p.parseBuiltin("completion", args, 1, stdout)
	if err != nil || done {
		return err
	}
	shell := ""
	if len(rest) == 1 {
		shell = rest[0]
	}
	write := map[string]func(io.Writer) error{"bash": p.Bash, "zsh": p.Zsh, "fish": p.Fish}[shell]
	if write == nil {
		return Usagef("%s completion takes a shell, bash, zsh or fish: %q", p.Name, rest)
	}
	return write(stdout)
}

func (p *Program) runMan(_ context.Context, args []string, stdout, _ io.Writer) error {
	if _, done, err := p.parseBuiltin("man", args, 0, stdout); err != nil || done {
		return err
	}
	return p.Man(stdout)
}
