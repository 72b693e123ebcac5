package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// Zsh writes the program's zsh completion script to w.
func (p *Program) Zsh(w io.Writer) error {
	n := p.Name
	var b strings.Builder
	fmt.Fprintf(&b, `#compdef %[1]s
# zsh completion for %[1]s, written by "%[1]s completion zsh" from its flag
# definitions. Load it with
#   source <(%[1]s completion zsh)
# or save it as _%[1]s in a directory on $fpath.

_%[1]s() {
	local -a commands
	commands=(
`, n)
	for _, c := range p.Commands {
		for _, name := range c.names() {
			fmt.Fprintf(&b, "\t\t%s\n", shellWord(name+":"+zshText(c.Summary)))
		}
	}
	fmt.Fprintf(&b, `	)
	local cmd=%[2]s
	if ((CURRENT > 2)) && [[ $words[2] != -* ]]; then
		cmd=$words[2]
		shift words
		((CURRENT--))
	elif ((CURRENT == 2)) && [[ $PREFIX != -* ]]; then
		_describe -t commands '%[1]s command' commands
		return
	fi
	case $cmd in
`, n, shellWord(p.Default))
	for _, c := range p.Commands {
		fmt.Fprintf(&b, "\t(%s)\n\t\t_arguments -s -S", strings.Join(c.names(), "|"))
		if fs := c.flagSet(); fs != nil {
			fs.VisitAll(func(f *pflag.Flag) { fmt.Fprintf(&b, " \\\n\t\t\t%s", zshSpec(n, f)) })
		}
		if args := zshArgs(c); args != "" {
			fmt.Fprintf(&b, " \\\n\t\t\t%s", args)
		}
		b.WriteString("\n\t\t;;\n")
	}
	fmt.Fprintf(&b, `	esac
}

# A network namespace: a name in the directory, or a path.
_%[1]s_names() {
	local -a names
	names=($1/*(N:t))
	_alternative "names:name:compadd -a names" "paths:path:_files"
}

if [[ $funcstack[1] == _%[1]s ]]; then
	_%[1]s "$@"
else
	compdef _%[1]s %[1]s
fi
`, n)
	_, err := io.WriteString(w, b.String())
	return err
}

// zshSpec is f's _arguments spec: '(-t --tcp)'{-t,--tcp}'[TCP sockets]'.
func zshSpec(name string, f *pflag.Flag) string {
	help := "[" + zshText(f.Usage) + "]"
	value := ""
	if takesArg(f) {
		value = ":" + zshText(strings.ToLower(argName(f))) + ":"
		switch how, details := completion(f); how {
		case "files":
			value += "_files"
		case "words":
			value += "(" + strings.Join(details, " ") + ")"
		case "dir":
			value += "_" + name + "_names " + details[0]
		default:
			value += " "
		}
	}
	if f.Shorthand == "" {
		long := "--" + f.Name
		if takesArg(f) {
			long += "="
		}
		return shellWord(long + help + value)
	}
	short, long := "-"+f.Shorthand, "--"+f.Name
	if takesArg(f) {
		short, long = short+"+", long+"="
	}
	return shellWord("(-"+f.Shorthand+" --"+f.Name+")") + "{" + short + "," + long + "}" + shellWord(help+value)
}

// zshArgs is the spec of c's arguments: its words, or free text.
func zshArgs(c *Command) string {
	args := c.args()
	switch {
	case c.ArgWords != nil:
		return shellWord("1:argument:(" + strings.Join(c.ArgWords, " ") + ")")
	case args != "":
		// A message, not an empty action: with one, zsh would list a
		// lone matching flag instead of completing it.
		return shellWord("*: :_message -e arguments " + strings.ToLower(strings.Trim(args, "[.]")))
	}
	return ""
}

// zshText is text for a description in a spec: one line, and no
// brackets, which would end it.
func zshText(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.NewReplacer("[", "(", "]", ")", `\`, `\\`).Replace(s)
}
