package tui

import (
	"strconv"
	"strings"
	"unicode"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/conntab/conntab/analyze"
)

// The findings of the Ports and Listeners views, each with its advice,
// are drawn alike: the Ports view under its table and in the findings
// pane, the Listeners view in the pane.

// sevLabel is a severity as a symbol and a word, "▲ WARN", so that it
// reads without colour; "" for none.
func sevLabel(s analyze.Severity) string {
	if s == analyze.SeverityNone {
		return ""
	}
	return s.Symbol() + " " + strings.ToUpper(s.String())
}

// appendOthers says how many other rows have findings, "1 other pool has
// a finding: …" (one) or "3 other pools have findings: …" (many); nothing
// for none.
func appendOthers(out []string, dim func(...string) string, others int, one, many string) []string {
	switch {
	case others == 1:
		out = append(out, "", dim("1 other "+one+": move the cursor to it."))
	case others > 1:
		out = append(out, "", dim(strconv.Itoa(others)+" other "+many+": move the cursor to them."))
	}
	return out
}

// appendFinding appends one finding: its severity, subject and kind, what
// it found, and what to do, with full what each advice fixes and what it
// does not.
func appendFinding(st *Styles, out []string, f *analyze.Finding, width int, full bool) []string {
	label := sevLabel(f.Severity)
	if label == "" {
		label = "INFO"
	}
	head := st.sev(f.Severity).Render(label) + "  " + st.Title.Render(safe(f.Subject)) + st.Dim.Render("  "+f.Kind.String())
	out = append(out, ansi.Truncate(head, width, "…"))
	out = append(out, wrap(safe(f.Text), width, "  ", "  ")...)
	for _, a := range f.Advice {
		out = append(out, wrapLabelled(st.Title, "Do: ", safe(a.Do), width, "  ", "      ")...)
		if !full {
			continue
		}
		out = append(out, wrapLabelled(st.Dim, "Fixes: ", safe(a.Fixes), width, "      ", "      ")...)
		out = append(out, wrapLabelled(st.Dim, "Does not fix: ", safe(a.DoesNotFix), width, "      ", "      ")...)
	}
	return out
}

// wrap wraps s to width cells, the first line after first and the others
// after rest.
func wrap(s string, width int, first, rest string) []string {
	w := max(10, width-max(len(first), len(rest)))
	lines := strings.Split(ansi.Wrap(keepFlags(s), w, ""), "\n")
	for i := range lines {
		lines[i] = strings.ReplaceAll(strings.TrimRight(lines[i], " "), string(nbHyphen), "-")
		if i == 0 {
			lines[i] = first + lines[i]
		} else {
			lines[i] = rest + lines[i]
		}
	}
	return lines
}

// nbHyphen stands in for the hyphens that start a word while text is
// wrapped: ansi.Wrap breaks after every hyphen, and advice that says
// "given with --" on one line and "rules" on the next, or "ls -" and "l",
// cannot be read or pasted.
const nbHyphen = '\u2011'

// keepFlags turns the hyphens of s that follow no letter or digit ("--rules",
// "ls -l") into nbHyphen; those within words ("bind-before-connect") and
// ranges ("40000-40199") still break.
func keepFlags(s string) string {
	if !strings.Contains(s, "-") {
		return s
	}
	var b strings.Builder
	prev := ' '
	for _, r := range s {
		if r == '-' && !unicode.IsLetter(prev) && !unicode.IsDigit(prev) {
			r = nbHyphen
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// wrapLabelled wraps label and text together, then styles the label.
func wrapLabelled(st lipgloss.Style, label, text string, width int, first, rest string) []string {
	lines := wrap(label+text, width, first, rest)
	if after, ok := strings.CutPrefix(lines[0], first+label); ok {
		lines[0] = first + st.Render(strings.TrimSpace(label)) + " " + after
	}
	return lines
}
