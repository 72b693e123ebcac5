package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// Man writes the program's manual page, NAME(1), to w in roff with the
// man(7) macros: the synopsis of every form and command, each command's
// help and flags, the hints and the sections. It holds no date or
// version, so that a copy of it is stale only when the flags change.
func (p *Program) Man(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, ".\\\" %s(1), written by \"%s man\" from its flag definitions.\n", p.Name, p.Name)
	fmt.Fprintf(&b, ".TH %s 1 \"\" %s \"User Commands\"\n", strings.ToUpper(p.Name), p.Name)
	// Flags are typed, not read: no hyphenation, no stretched spaces.
	b.WriteString(".nh\n.ad l\n.SH NAME\n")
	fmt.Fprintf(&b, "%s \\- %s\n.SH SYNOPSIS\n", p.Name, roffText(p.Title))
	for _, f := range p.Forms {
		manSynopsis(&b, p.Name, f.Synopsis)
	}
	for _, c := range p.Commands {
		manSynopsis(&b, p.Name+" "+c.Name, strings.TrimPrefix(c.Synopsis(), p.Name+" "+c.Name))
	}
	b.WriteString(".SH DESCRIPTION\n")
	for _, f := range p.Forms {
		fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", roffText(strings.TrimSpace(p.Name+" "+f.Synopsis)), roffText(f.Summary))
	}
	for _, c := range p.Commands {
		fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", roffText(p.Name+" "+c.Name), roffText(c.Summary))
	}
	if p.Flags != nil && p.Flags.HasFlags() {
		b.WriteString(".SH OPTIONS\n")
		manFlags(&b, p.Flags)
	}
	b.WriteString(".SH COMMANDS\n")
	for _, c := range p.Commands {
		fmt.Fprintf(&b, ".SS\n%s\n", roffText(c.Synopsis()))
		if len(c.Aliases) > 0 {
			fmt.Fprintf(&b, "Also: %s.\n.PP\n", roffText(p.Name+" "+strings.Join(c.Aliases, ", "+p.Name+" ")))
		}
		manProse(&b, c.About())
		b.WriteString(".PP\nFlags:\n")
		manFlags(&b, c.flagSet())
	}
	if len(p.Hints) > 0 {
		b.WriteString(".SH \"FLAGS OF OTHER TOOLS\"\n")
		for _, h := range p.Hints {
			fmt.Fprintf(&b, ".TP\n\\fB%s\\fR (%s)\n%s\n", roffText(h.flags()), roffText(h.From), roffText(h.Say))
		}
	}
	for _, s := range p.Sections {
		fmt.Fprintf(&b, ".SH \"%s\"\n", strings.ToUpper(s.Title))
		manProse(&b, s.Text)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// manSynopsis writes one line of the synopsis: the command in bold,
// then its arguments.
func manSynopsis(b *strings.Builder, command, args string) {
	fmt.Fprintf(b, ".br\n.B %s\n", roffText(command))
	if args = strings.TrimSpace(args); args != "" {
		fmt.Fprintf(b, "%s\n", roffText(args))
	}
}

// manFlags writes one tagged paragraph per flag of fs.
func manFlags(b *strings.Builder, fs *pflag.FlagSet) {
	if fs == nil {
		return
	}
	fs.VisitAll(func(f *pflag.Flag) {
		tag := `\fB\-\-` + roffText(f.Name) + `\fR`
		if f.Shorthand != "" {
			tag = `\fB\-` + roffText(f.Shorthand) + `\fR, ` + tag
		}
		if takesArg(f) {
			tag += ` \fI` + roffText(argName(f)) + `\fR`
		}
		fmt.Fprintf(b, ".TP\n%s\n%s\n", tag, roffText(f.Usage))
	})
}

// manProse writes text: paragraphs apart at blank lines, and indented
// lines (examples, tables) as they are.
func manProse(b *strings.Builder, text string) {
	verbatim := false
	for _, line := range strings.Split(text, "\n") {
		indented := strings.HasPrefix(line, " ")
		switch {
		case indented && !verbatim:
			b.WriteString(".RS 2\n.nf\n")
		case !indented && verbatim:
			b.WriteString(".fi\n.RE\n")
		}
		verbatim = indented
		switch {
		case strings.TrimSpace(line) == "" && !verbatim:
			b.WriteString(".PP\n")
		case verbatim:
			b.WriteString(roffText(strings.TrimPrefix(line, "  ")) + "\n")
		default:
			b.WriteString(roffText(line) + "\n")
		}
	}
	if verbatim {
		b.WriteString(".fi\n.RE\n")
	}
}

// roffText is s as text roff prints as it is: backslashes and dashes
// escaped (a dash is a minus, the character a user types), and a leading
// dot or quote kept from reading as a request.
func roffText(s string) string {
	s = strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
