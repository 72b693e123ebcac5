package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/spf13/pflag"
)

// Program is a command line described as data: its commands, each with
// its flags, and the prose around them. Help, the overview, the
// completion scripts and the man page are all made from it.
type Program struct {
	// Name is what the user types (conntab); Title what it is, in one
	// line: the overview opens with both, the man page's NAME is Title.
	Name, Title string
	// Forms are the ways to call it other than with a command: Synopsis
	// after the name ("" for the name alone), Summary one line.
	Forms []Form
	// Flags are the flags that stand alone, without a command (-h, -V):
	// AddBuiltins sets them, Run answers them, the man page lists them.
	Flags *pflag.FlagSet
	// Commands in the order the overview lists them.
	Commands []*Command
	// Default is the command that flags without a command go to: its
	// flags complete in a command's place too. "" for none.
	Default string
	// Hints answer the flags of other tools that the program lacks (see
	// Parse); the man page lists them.
	Hints []Hint
	// Sections follow the commands: in the man page each under its
	// Title, in the overview those with Overview set, as prose.
	Sections []Section
}

// Form is one way of calling a program, for its overview and synopsis.
type Form struct{ Synopsis, Summary string }

// Section is a titled text of the man page ("EXIT STATUS").
type Section struct {
	Title, Text string
	// Overview says the overview shows Text as well.
	Overview bool
}

// Command is one command of a program.
type Command struct {
	Name    string
	Aliases []string
	// Summary is its line in the overview.
	Summary string
	// Usage is its help before the flags: "Usage: " and its synopsis
	// ("conntab list [flags] [FILTER...]") on the first line, then prose,
	// ending in "Flags:".
	Usage string
	// Flags makes its flags, whose values nothing reads: help, completion
	// and the man page read their names, arguments and help. A function,
	// so that a command that runs pays for no other command's flag set
	// (pflag's maps, the threshold flags' help): nil for none.
	Flags func() *pflag.FlagSet
	// ArgWords are the words its arguments complete to (a help's
	// command names, a completion's shells); nil for free text.
	ArgWords []string
	// Run runs it with the arguments after its name: it parses them with
	// its own flags (bound to its options, not Flags) and answers -h.
	Run func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// flagSet makes the command's flags: nil when it has none.
func (c *Command) flagSet() *pflag.FlagSet {
	if c.Flags == nil {
		return nil
	}
	return c.Flags()
}

// names are the command's name and aliases.
func (c *Command) names() []string { return append([]string{c.Name}, c.Aliases...) }

// Is reports whether name names c, or is one of its aliases.
func (c *Command) Is(name string) bool { return slices.Contains(c.names(), name) }

// Synopsis is the first line of a command's usage text without its
// "Usage: " ("conntab list [flags] [FILTER...]").
func (c *Command) Synopsis() string {
	line, _, _ := strings.Cut(c.Usage, "\n")
	return strings.TrimPrefix(line, "Usage: ")
}

// args is what the synopsis says of the arguments: what follows
// "[flags]" ("[FILTER...]"), "" for none.
func (c *Command) args() string {
	_, args, _ := strings.Cut(c.Synopsis(), "[flags]")
	return strings.TrimSpace(args)
}

// About is a command's usage text between its synopsis and its flags.
func (c *Command) About() string {
	_, about, _ := strings.Cut(c.Usage, "\n")
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(about), "Flags:"))
}

// Command is the command called name (or by that alias), or nil.
func (p *Program) Command(name string) *Command {
	for _, c := range p.Commands {
		if c.Is(name) {
			return c
		}
	}
	return nil
}

// Run runs the command that args name with the arguments after it. A
// first argument that is a flag runs Default with all of them, except
// -h and --help, which run help (the overview), and -V and --version,
// which run version.
func (p *Program) Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	name := p.Default
	switch {
	case len(args) > 0 && (args[0] == "-h" || args[0] == "--help"):
		name, args = "help", args[1:]
	case len(args) > 0 && (args[0] == "-V" || args[0] == "--version"):
		name, args = "version", args[1:]
	case len(args) > 0 && !strings.HasPrefix(args[0], "-"):
		name, args = args[0], args[1:]
	}
	c := p.Command(name)
	if c == nil || c.Run == nil {
		return Usagef("unknown command %q", name)
	}
	return c.Run(ctx, args, stdout, stderr)
}

// width is what the overview and help wrap at.
const width = 80

// Overview writes the program's overview to w: what it is, every way to
// call it and every command, and the sections marked for it.
func (p *Program) Overview(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s.\n\nUsage:\n", p.Name, p.Title)
	forms := append([]Form(nil), p.Forms...)
	for _, c := range p.Commands {
		syn := strings.TrimPrefix(c.Synopsis(), p.Name+" ")
		if len(c.Aliases) > 0 {
			syn = strings.Replace(syn, c.Name, strings.Join(c.names(), "|"), 1)
		}
		forms = append(forms, Form{syn, c.Summary})
	}
	col := 0
	for _, f := range forms {
		col = max(col, len(p.Name)+1+len(f.Synopsis))
	}
	col = min(col, 30)
	for _, f := range forms {
		writeItem(&b, strings.TrimSpace(p.Name+" "+f.Synopsis), f.Summary, col)
	}
	if len(p.Hints) > 0 {
		var flags []string
		for _, h := range p.Hints {
			flags = append(flags, h.flags()[:2])
		}
		fmt.Fprintf(&b, "\n%s\n", wrap(fmt.Sprintf("Flags of other tools that %s lacks (%s) say what to use instead; the man page lists them.",
			p.Name, strings.Join(flags, " ")), width, ""))
	}
	for _, s := range p.Sections {
		if s.Overview {
			fmt.Fprintf(&b, "\n%s\n", wrap(s.Title+": "+s.Text, width, ""))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteHelp writes a command's help to w: usage, then one line per flag
// (wrapped), as the command's -h shows it.
func WriteHelp(w io.Writer, usage string, fs *pflag.FlagSet) error {
	var b strings.Builder
	b.WriteString(usage)
	col := 0
	fs.VisitAll(func(f *pflag.Flag) { col = max(col, len(flagNames(f))) })
	col = min(col, 28)
	fs.VisitAll(func(f *pflag.Flag) { writeItem(&b, flagNames(f), f.Usage, col) })
	_, err := io.WriteString(w, b.String())
	return err
}

// flagNames is how help writes f: "-N, --netns NAME|PATH", "    --json".
func flagNames(f *pflag.Flag) string {
	s := "    --" + f.Name
	if f.Shorthand != "" {
		s = "-" + f.Shorthand + ", --" + f.Name
	}
	if takesArg(f) {
		s += " " + argName(f)
	}
	return s
}

// writeItem writes "  term  text" with text wrapped at width, its
// lines after the first indented to col+4; a term longer than col puts
// text on the next line.
func writeItem(b *strings.Builder, term, text string, col int) {
	indent := strings.Repeat(" ", col+4)
	if len(term) > col {
		fmt.Fprintf(b, "  %s\n%s%s\n", term, indent, wrap(text, width-len(indent), indent))
		return
	}
	fmt.Fprintf(b, "  %-*s  %s\n", col, term, wrap(text, width-len(indent), indent))
}

// wrap breaks text into lines of at most n bytes at spaces, joined by a
// newline and indent; a word longer than n stays whole. Existing line
// breaks are kept.
func wrap(text string, n int, indent string) string {
	var b strings.Builder
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteString("\n" + indent)
		}
		used := 0
		for j, word := range strings.Fields(line) {
			switch {
			case j == 0:
			case used+1+utf8.RuneCountInString(word) > n:
				b.WriteString("\n" + indent)
				used = 0
			default:
				b.WriteByte(' ')
				used++
			}
			b.WriteString(word)
			used += utf8.RuneCountInString(word)
		}
	}
	return b.String()
}
