package render

import (
	"strings"

	"github.com/conntab/conntab/analyze"
)

// writeFindings writes the FINDINGS section that ends both reports: each
// finding's severity and subject, its text, and its advice.
func writeFindings(p *textPrinter, fs []analyze.Finding) {
	p.w.WriteString("FINDINGS\n")
	for i := range fs {
		f := &fs[i]
		if i > 0 {
			p.w.WriteByte('\n')
		}
		p.para(f.Subject, severityMark(f.Severity, "- info")+"  ", "  ")
		p.para(f.Text, "  ", "  ")
		for _, a := range f.Advice {
			p.para(adviceText(a), "  → ", "    ")
		}
	}
}

// severityMark is "▲ warn", or none for SeverityNone: "-" in a table's
// cell, "- info" for a finding that is only information.
func severityMark(s analyze.Severity, none string) string {
	if s == analyze.SeverityNone {
		return none
	}
	return s.Symbol() + " " + s.String()
}

// adviceText is "Do. Fixes: …. Does not fix: …."
func adviceText(a analyze.Advice) string {
	return sentence(a.Do) + " Fixes: " + sentence(a.Fixes) + " Does not fix: " + sentence(a.DoesNotFix)
}

// sentence ends s with a full stop, unless it has one.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}
