package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// Bash writes the program's bash completion script to w.
func (p *Program) Bash(w io.Writer) error {
	n := p.Name
	var b strings.Builder
	fmt.Fprintf(&b, `# bash completion for %[1]s, written by "%[1]s completion bash" from its
# flag definitions. Load it with
#   source <(%[1]s completion bash)
# or save it as ~/.local/share/bash-completion/completions/%[1]s
# (or /usr/share/bash-completion/completions/%[1]s).

_%[1]s() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	# bash splits --flag=value at "=".
	if [[ $prev == = ]] && ((COMP_CWORD > 2)); then
		prev=${COMP_WORDS[COMP_CWORD-2]}
	elif [[ $cur == = ]]; then
		cur= prev=${COMP_WORDS[COMP_CWORD-1]}
	fi
	local cmd=%[2]s flags= words=
	if ((COMP_CWORD > 1)) && [[ ${COMP_WORDS[1]} != -* ]]; then
		cmd=${COMP_WORDS[1]}
	fi
	case $cmd in
`, n, shellWord(p.Default))
	for _, c := range p.Commands {
		fmt.Fprintf(&b, "\t%s)\n", strings.Join(c.names(), " | "))
		fs := c.flagSet()
		bashValues(&b, n, fs)
		fmt.Fprintf(&b, "\t\tflags=%s\n", shellWord(strings.Join(spellings(fs), " ")))
		if c.ArgWords != nil {
			fmt.Fprintf(&b, "\t\twords=%s\n", shellWord(strings.Join(c.ArgWords, " ")))
		}
		b.WriteString("\t\t;;\n")
	}
	var names []string
	for _, c := range p.Commands {
		names = append(names, c.names()...)
	}
	fmt.Fprintf(&b, `	*) return ;;
	esac
	if [[ $cur == -* ]]; then
		((COMP_CWORD == 1)) && flags+=" "%[2]s
		_%[1]s_words "$flags"
	elif ((COMP_CWORD == 1)); then
		_%[1]s_words %[3]s
	elif [[ -n $words ]]; then
		_%[1]s_words "$words"
	fi
}

# The helpers complete $cur, _%[1]s's.
_%[1]s_words() { mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur"); }
_%[1]s_files() {
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}
_%[1]s_names() {
	if [[ $cur == */* ]]; then
		_%[1]s_files
	else
		mapfile -t COMPREPLY < <(compgen -W "$(command ls "$1" 2>/dev/null)" -- "$cur")
	fi
}

complete -F _%[1]s %[1]s
`, n, shellWord(strings.Join(p.standalone(), " ")), shellWord(strings.Join(names, " ")))
	_, err := io.WriteString(w, b.String())
	return err
}

// bashValues writes the case that completes the argument of the flag
// before the cursor.
func bashValues(b *strings.Builder, name string, fs *pflag.FlagSet) {
	if fs == nil {
		return
	}
	var cases strings.Builder
	fs.VisitAll(func(f *pflag.Flag) {
		if !takesArg(f) {
			return
		}
		fmt.Fprintf(&cases, "\t\t%s) ", strings.Join(flagSpellings(f), " | "))
		switch how, details := completion(f); how {
		case "files":
			fmt.Fprintf(&cases, "_%s_files; ", name)
		case "words":
			fmt.Fprintf(&cases, "_%s_words %s; ", name, shellWord(strings.Join(details, " ")))
		case "dir":
			fmt.Fprintf(&cases, "_%s_names %s; ", name, shellWord(details[0]))
		}
		cases.WriteString("return ;;\n")
	})
	if cases.Len() > 0 {
		fmt.Fprintf(b, "\t\tcase $prev in\n%s\t\tesac\n", cases.String())
	}
}

// standalone are the spellings of the flags that stand alone that the
// default command lacks: they complete in a command's place.
func (p *Program) standalone() []string {
	var def []string
	if c := p.Command(p.Default); c != nil {
		def = spellings(c.flagSet())
	}
	var s []string
	for _, f := range spellings(p.Flags) {
		if !slices.Contains(def, f) {
			s = append(s, f)
		}
	}
	return s
}

// spellings are every way of writing fs's flags: -t --tcp -u --udp ...
func spellings(fs *pflag.FlagSet) []string {
	var s []string
	if fs != nil {
		fs.VisitAll(func(f *pflag.Flag) { s = append(s, flagSpellings(f)...) })
	}
	return s
}

// flagSpellings are f's: -t and --tcp.
func flagSpellings(f *pflag.Flag) []string {
	if f.Shorthand == "" {
		return []string{"--" + f.Name}
	}
	return []string{"-" + f.Shorthand, "--" + f.Name}
}

// shellWord quotes s for a POSIX shell.
func shellWord(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
