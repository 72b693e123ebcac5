package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// Fish writes the program's fish completion script to w.
func (p *Program) Fish(w io.Writer) error {
	n := p.Name
	var b strings.Builder
	fmt.Fprintf(&b, `# fish completion for %[1]s, written by "%[1]s completion fish" from its
# flag definitions. Load it with
#   %[1]s completion fish | source
# or save it as ~/.config/fish/completions/%[1]s.fish.

complete -c %[1]s -f
`, n)
	first := "__fish_use_subcommand"
	for _, c := range p.Commands {
		fmt.Fprintf(&b, "complete -c %s -n %s -a %s -d %s\n", n, first, fishWord(strings.Join(c.names(), " ")), fishWord(c.Summary))
	}
	fishFlags(&b, n, first, p.Flags)
	for _, c := range p.Commands {
		cond := "__fish_seen_subcommand_from " + strings.Join(c.names(), " ")
		if c.Name == p.Default {
			// The default command's flags come without the command too.
			var others []string
			for _, o := range p.Commands {
				if o != c {
					others = append(others, o.names()...)
				}
			}
			cond = "not __fish_seen_subcommand_from " + strings.Join(others, " ")
		}
		fmt.Fprintf(&b, "\n# %s\n", strings.Join(c.names(), ", "))
		fishFlags(&b, n, fishWord(cond), c.flagSet())
		if c.ArgWords != nil {
			fmt.Fprintf(&b, "complete -c %s -n %s -a %s\n", n, fishWord(cond), fishWord(strings.Join(c.ArgWords, " ")))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fishFlags writes one complete line per flag of fs, under cond.
func fishFlags(b *strings.Builder, name, cond string, fs *pflag.FlagSet) {
	if fs == nil {
		return
	}
	fs.VisitAll(func(f *pflag.Flag) {
		fmt.Fprintf(b, "complete -c %s -n %s", name, cond)
		if f.Shorthand != "" {
			fmt.Fprintf(b, " -s %s", f.Shorthand)
		}
		fmt.Fprintf(b, " -l %s", f.Name)
		if takesArg(f) {
			switch how, details := completion(f); how {
			case "files":
				b.WriteString(" -r -F")
			case "words":
				fmt.Fprintf(b, " -x -a %s", fishWord(strings.Join(details, " ")))
			case "dir":
				fmt.Fprintf(b, " -r -F -a %s", fishWord("(command ls "+details[0]+" 2>/dev/null)"))
			default:
				b.WriteString(" -x")
			}
		}
		fmt.Fprintf(b, " -d %s\n", fishWord(firstLine(f.Usage)))
	})
}

// fishWord quotes s for fish.
func fishWord(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// firstLine is s up to its first line break.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
